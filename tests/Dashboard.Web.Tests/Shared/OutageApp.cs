using Dashboard.Testing;

namespace Dashboard.Web.Tests.Shared;

/// <summary>The console over a private PostgreSQL that the test stops and starts again.</summary>
public sealed class OutageApp : DashboardApp
{
    public PostgresServer Postgres { get; private set; } = default!;

    protected override string JobsConnectionString => Postgres.AdminConnectionString;

    protected override async Task BeforeStartAsync() => Postgres = await PostgresServer.StartNewAsync();

    protected override async Task AfterStopAsync() => await Postgres.DisposeAsync();
}
