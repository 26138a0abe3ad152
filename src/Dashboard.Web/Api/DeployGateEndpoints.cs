using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Core.Actions;
using Dashboard.Core.Database;
using Dashboard.Core.Readiness;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;
using Gate = Dashboard.Core.DeployGate.DeployGate;

namespace Dashboard.Web.Api;

/// <summary>
/// The deploy gate (docs/architecture.md, "Deploy gate"): <c>GET /health/jobs</c>, <c>POST /health/jobs/pause</c>, <c>POST /health/jobs/resume</c>.
/// Bearer tokens only; the token's name is the audited actor. 503 with a JSON error when the database is unreachable,
/// never "0 running".
/// </summary>
public static class DeployGateEndpoints
{
    public const string Prefix = "/health/jobs";

    public static IEndpointRouteBuilder MapDeployGateEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Prefix).DisableAntiforgery();
        group.MapGet("", GetAsync).RequireAuthorization(Policies.For(Permissions.ViewQueue, Policies.ApiSchemes));
        group.MapPost("/pause", (HttpContext http, Gate gate, SessionValidator sessions, CancellationToken ct) =>
                ActAsync(http, sessions, gate, (actor, reason, key) => gate.PauseAsync(actor, reason, key, ct), ct))
            .RequireAuthorization(Policies.For(Permissions.PauseIntake, Policies.ApiSchemes));
        group.MapPost("/resume", (HttpContext http, Gate gate, SessionValidator sessions, CancellationToken ct) =>
                ActAsync(http, sessions, gate, (actor, reason, key) => gate.ResumeAsync(actor, reason, key, ct), ct))
            .RequireAuthorization(Policies.For(Permissions.ResumeIntake, Policies.ApiSchemes));

        // Any other method: 405 with Allow for a token holder (401 with a Bearer challenge without one), rather than
        // the browser fallback's answer.
        MapWrongMethods(group, "", HttpMethods.Get);
        MapWrongMethods(group, "/pause", HttpMethods.Post);
        MapWrongMethods(group, "/resume", HttpMethods.Post);
        return app;
    }

    private static readonly string[] _methods =
        [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Options, HttpMethods.Trace];

    private static void MapWrongMethods(RouteGroupBuilder group, string path, string allowed)
    {
        group.MapMethods(path, _methods.Where(m => m != allowed), (HttpContext http) =>
            {
                http.Response.Headers.Allow = allowed;
                return Error(StatusCodes.Status405MethodNotAllowed, "method not allowed", $"use {allowed}");
            })
            .RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(Policies.ApiSchemes)
                .RequireAuthenticatedUser().Build());
    }

    private static IResult Error(int status, string error, string detail) =>
        Results.Json(new { error, detail }, statusCode: status);

    /// <summary>
    /// The optional JSON body, read by hand so that a wrong content type is a 415 and malformed JSON a 400, each with
    /// <c>{"error": …}</c>, after authorization (routing would otherwise refuse them before it).
    /// </summary>
    private static async Task<(GateRequest? Body, IResult? Problem)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (!hasBody)
        {
            return (null, null);
        }

        if (!request.HasJsonContentType())
        {
            return (null, Error(StatusCodes.Status415UnsupportedMediaType, "unsupported media type",
                $"send application/json (was '{Printable(request.ContentType ?? "none")}')"));
        }

        try
        {
            var body = await JsonSerializer.DeserializeAsync<GateRequest>(request.Body, cancellationToken: ct);
            return (body, null);
        }
        catch (JsonException ex)
        {
            return (null, Error(StatusCodes.Status400BadRequest, "malformed JSON",
                $"expected {{\"reason\": \"…\", \"idempotency_key\": \"…\"}} (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine})"));
        }
    }

    // Echoed values keep no control characters or markup.
    private static string Printable(string value) =>
        new([.. value.Take(100).Select(c => char.IsControl(c) || c is '<' or '>' ? '?' : c)]);

    /// <summary>Optional body of pause/resume: a reason for the audit log and an idempotency key for retries.</summary>
    public sealed record GateRequest(
        [property: JsonPropertyName("reason")] string? Reason,
        [property: JsonPropertyName("idempotency_key")] string? IdempotencyKey);

    /// <summary>The status, exactly as deploy scripts read it.</summary>
    public sealed record GateStatus(
        [property: JsonPropertyName("accepting")] bool Accepting,
        [property: JsonPropertyName("running")] long Running,
        [property: JsonPropertyName("queued")] long Queued,
        [property: JsonPropertyName("oldest_running_minutes")] int OldestRunningMinutes);

    public sealed record GateActionResult(
        [property: JsonPropertyName("accepting")] bool Accepting,
        [property: JsonPropertyName("running")] long Running,
        [property: JsonPropertyName("queued")] long Queued,
        [property: JsonPropertyName("oldest_running_minutes")] int OldestRunningMinutes,
        [property: JsonPropertyName("outcome")] string Outcome,
        [property: JsonPropertyName("message")] string Message);

    /// <summary>
    /// With <c>?grace=30s</c>: the seed's four fields, then what a restart with that grace period does to the
    /// running jobs (counts per verdict over all of them, and the most urgent few by id).
    /// </summary>
    public sealed record GateReadiness(
        [property: JsonPropertyName("accepting")] bool Accepting,
        [property: JsonPropertyName("running")] long Running,
        [property: JsonPropertyName("queued")] long Queued,
        [property: JsonPropertyName("oldest_running_minutes")] int OldestRunningMinutes,
        [property: JsonPropertyName("grace_seconds")] double GraceSeconds,
        [property: JsonPropertyName("verdicts")] IReadOnlyDictionary<string, long> Verdicts,
        [property: JsonPropertyName("safe")] bool Safe,
        [property: JsonPropertyName("jobs")] IReadOnlyList<GateJob> Jobs);

    public sealed record GateJob(
        [property: JsonPropertyName("id")] long Id,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("leased_by")] string? LeasedBy,
        [property: JsonPropertyName("verdict")] string Verdict,
        [property: JsonPropertyName("remaining_seconds")] double? RemainingSeconds,
        [property: JsonPropertyName("progress")] double? Progress);

    private static async Task<IResult> GetAsync(Gate gate, HttpContext http, CancellationToken ct)
    {
        TimeSpan? grace = null;
        if (http.Request.Query.TryGetValue("grace", out var graceText))
        {
            if (graceText.Count != 1 || !GracePeriod.TryParse(graceText[0], out var parsed))
            {
                return Results.Json(
                    new { error = "bad request", detail = "grace must be a duration such as 30s, 2m or 1h (at most 7 days)" },
                    statusCode: StatusCodes.Status400BadRequest);
            }

            grace = parsed;
        }

        try
        {
            var s = await gate.GetStatusAsync(ct);
            if (grace is not { } g)
            {
                return Results.Json(new GateStatus(s.Accepting, s.Running, s.Queued, s.OldestRunningMinutes));
            }

            var r = await gate.GetReadinessAsync(g, ct);
            return Results.Json(new GateReadiness(
                s.Accepting, s.Running, s.Queued, s.OldestRunningMinutes, g.TotalSeconds,
                Verdicts.All.ToDictionary(Verdicts.Code, r.CountOf), r.IsSafe,
                [.. r.Jobs.Select(j => new GateJob(j.Id, j.Kind, j.LeasedBy, Verdicts.Code(j.Verdict), j.Remaining?.TotalSeconds, j.Progress))]));
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            return Unavailable(ex);
        }
    }

    private static async Task<IResult> ActAsync(
        HttpContext http, SessionValidator sessions, Gate gate,
        Func<Actor, string?, string?, Task<ActionResult>> act, CancellationToken ct)
    {
        var actor = sessions.ActorOf(http.User, http.Connection.RemoteIpAddress?.ToString());
        if (actor is null)
        {
            return Results.Unauthorized();
        }

        var (body, problem) = await ReadBodyAsync(http.Request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var key = body?.IdempotencyKey ?? http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        try
        {
            var result = await act(actor, body?.Reason, key);
            if (result.Outcome == ActionOutcome.Denied)
            {
                return Results.Json(new { error = "denied", detail = result.Message }, statusCode: StatusCodes.Status403Forbidden);
            }

            var s = await gate.GetStatusAsync(ct);
            return Results.Json(new GateActionResult(s.Accepting, s.Running, s.Queued, s.OldestRunningMinutes,
                ActionOutcomeCodes.ToCode(result.Outcome), result.Message));
        }
        catch (ArgumentException ex)
        {
            return Error(StatusCodes.Status400BadRequest, "bad request", Printable(ex.Message));
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            return Unavailable(ex);
        }
    }


    private static IResult Unavailable(Exception ex) =>
        Results.Json(new { error = "database unreachable", detail = DatabaseErrors.Describe(ex) }, statusCode: StatusCodes.Status503ServiceUnavailable);
}
