using System.Net;
using System.Net.Http.Headers;
using Dashboard.Core.Changes;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

public sealed class MetricsEndpointTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    [Fact]
    public async Task Metrics_NeedABearerToken_AndCarryTheSnapshotsGauges()
    {
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) SELECT 'metrics.kind' FROM generate_series(1, 7)");
        await app.Service<SnapshotLoop>().RefreshAsync();
        using var client = app.NewClient();

        using var anonymous = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DashboardApp.ViewerToken);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Labels in any order (the exporter adds otel_scope_name).
        Assert.Matches(@"dashboard_jobs\{[^}]*kind=""metrics.kind""[^}]*state=""queued""[^}]*\} 7\b", text);
        Assert.Contains("dashboard_database_reachable", text, StringComparison.Ordinal);
        Assert.Contains("dashboard_singleton_leader{", text, StringComparison.Ordinal);
    }
}
