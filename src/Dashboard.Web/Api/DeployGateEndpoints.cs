using System.Text.Json.Serialization;
using Dashboard.Core.Actions;
using Dashboard.Core.Database;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;
using Gate = Dashboard.Core.DeployGate.DeployGate;

namespace Dashboard.Web.Api;

/// <summary>
/// The deploy gate (DESIGN.md §4): <c>GET /health/jobs</c>, <c>POST /health/jobs/pause</c>, <c>POST /health/jobs/resume</c>.
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
        group.MapPost("/pause", (HttpContext http, Gate gate, SessionValidator sessions, GateRequest? body, CancellationToken ct) =>
                ActAsync(http, sessions, gate, body, (actor, reason, key) => gate.PauseAsync(actor, reason, key, ct), ct))
            .RequireAuthorization(Policies.For(Permissions.PauseIntake, Policies.ApiSchemes));
        group.MapPost("/resume", (HttpContext http, Gate gate, SessionValidator sessions, GateRequest? body, CancellationToken ct) =>
                ActAsync(http, sessions, gate, body, (actor, reason, key) => gate.ResumeAsync(actor, reason, key, ct), ct))
            .RequireAuthorization(Policies.For(Permissions.ResumeIntake, Policies.ApiSchemes));
        return app;
    }

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

    private static async Task<IResult> GetAsync(Gate gate, CancellationToken ct)
    {
        try
        {
            var s = await gate.GetStatusAsync(ct);
            return Results.Json(new GateStatus(s.Accepting, s.Running, s.Queued, s.OldestRunningMinutes));
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            return Unavailable(ex);
        }
    }

    private static async Task<IResult> ActAsync(
        HttpContext http, SessionValidator sessions, Gate gate, GateRequest? body,
        Func<Actor, string?, string?, Task<ActionResult>> act, CancellationToken ct)
    {
        var actor = sessions.ActorOf(http.User, http.Connection.RemoteIpAddress?.ToString());
        if (actor is null)
        {
            return Results.Unauthorized();
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
            return Results.Json(new { error = "bad request", detail = ex.Message }, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            return Unavailable(ex);
        }
    }


    private static IResult Unavailable(Exception ex) =>
        Results.Json(new { error = "database unreachable", detail = DatabaseErrors.Describe(ex) }, statusCode: StatusCodes.Status503ServiceUnavailable);
}
