using System.Globalization;
using Dashboard.Core.Audit;
using Dashboard.Core.Security;

namespace Dashboard.Web.Api;

/// <summary>
/// <c>GET /audit/export.csv</c>: the filtered audit log as CSV, streamed in short keyset-paged chunks (never one long
/// transaction, never buffered). Signed-in browsers with the audit.export permission.
/// </summary>
public static class AuditExportEndpoints
{
    public const string Path = "/audit/export.csv";

    public static IEndpointRouteBuilder MapAuditExportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ExportAsync).RequireAuthorization(Permissions.ExportAudit);
        return app;
    }

    /// <summary>The query string the audit page builds for its current filter.</summary>
    public static string QueryOf(AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add($"{key}={Uri.EscapeDataString(value)}");
            }
        }

        Add("from", filter.From?.ToString("o", CultureInfo.InvariantCulture));
        Add("to", filter.To?.ToString("o", CultureInfo.InvariantCulture));
        Add("actor", filter.Actor);
        Add("action", filter.Action);
        Add("kind", filter.Kind);
        Add("job", filter.JobId?.ToString(CultureInfo.InvariantCulture));
        Add("worker", filter.Worker);
        Add("outcome", filter.Outcome);
        Add("text", filter.Text);
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static async Task ExportAsync(HttpContext http, AuditQueries queries, CancellationToken ct)
    {
        var q = http.Request.Query;
        // PostgreSQL text cannot hold NUL, so no entry can match one: refuse it before streaming.
        if (q.FirstOrDefault(p => p.Value.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true)) is { Key: { } bad })
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync($"The filter '{Uri.EscapeDataString(bad)}' contains a NUL character.", ct);
            return;
        }

        var filter = new AuditFilter
        {
            From = DateTimeOffset.TryParse(q["from"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from) ? from : null,
            To = DateTimeOffset.TryParse(q["to"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var to) ? to : null,
            Actor = Text(q["actor"]),
            Action = Text(q["action"]),
            Kind = Text(q["kind"]),
            JobId = long.TryParse(q["job"], NumberStyles.None, CultureInfo.InvariantCulture, out var job) ? job : null,
            Worker = Text(q["worker"]),
            Outcome = Text(q["outcome"]),
            Text = Text(q["text"]),
        };
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false), bufferSize: 16 * 1024);
        await AuditCsv.WriteAsync(queries.StreamAsync(filter, ct), writer, ct);
        await writer.FlushAsync(ct);
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
