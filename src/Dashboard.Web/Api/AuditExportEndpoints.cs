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
        var parts = AuditFilterParser.Format(filter).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    // The page's parser: a filter the export cannot use is a 400 with the reason, never silently the whole log.
    private static async Task ExportAsync(HttpContext http, AuditQueries queries, CancellationToken ct)
    {
        var query = http.Request.Query;
        if (AuditFilterParser.TryParse(key => query[key].ToString(), out var filter) is { } problem)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            http.Response.ContentType = "text/plain; charset=utf-8";
            // The reason may quote what was sent; it goes back encoded, never as markup.
            await http.Response.WriteAsync(problem.Replace("&", "&amp;", StringComparison.Ordinal)
                .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal) + "\n", ct);
            return;
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false), bufferSize: 16 * 1024);
        await AuditCsv.WriteAsync(queries.StreamAsync(filter, ct), writer, ct);
        await writer.FlushAsync(ct);
    }
}
