using System.Net;
using Dashboard.Web.Extensions;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests.Instances;

/// <summary>The anonymous probes a load balancer or orchestrator calls: a status and one word, nothing else.</summary>
public sealed class HealthProbeTests(DashboardApp up, UnreachableDatabaseApp down) : IClassFixture<DashboardApp>, IClassFixture<UnreachableDatabaseApp>
{
    [Theory]
    [InlineData(InstanceServiceCollectionExtensions.LivePath)]
    [InlineData(InstanceServiceCollectionExtensions.ReadyPath)]
    public async Task DatabaseUp_BothProbesAnswerHealthy(string path)
    {
        using var client = up.NewClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DatabaseDown_LiveStaysHealthy_ReadyIsUnavailable()
    {
        using var client = down.NewClient();

        using var live = await client.GetAsync(new Uri(InstanceServiceCollectionExtensions.LivePath, UriKind.Relative));
        using var ready = await client.GetAsync(new Uri(InstanceServiceCollectionExtensions.ReadyPath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        // Nothing about the database, its address or the error leaks to an anonymous caller.
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PendingMigration_IsNotReady()
    {
        var newest = await up.Database.ScalarAsync<int>("SELECT max(version) FROM schema_migrations");
        var name = await up.Database.ScalarAsync<string>("DELETE FROM schema_migrations WHERE version = @newest RETURNING name", new { newest });
        try
        {
            using var client = up.NewClient();

            using var ready = await client.GetAsync(new Uri(InstanceServiceCollectionExtensions.ReadyPath, UriKind.Relative));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        finally
        {
            await up.Database.PsqlAsync("INSERT INTO schema_migrations (version, name) VALUES (@newest, @name)", new { newest, name });
        }
    }
}
