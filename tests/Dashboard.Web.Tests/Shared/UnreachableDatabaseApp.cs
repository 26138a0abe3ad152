using Dashboard.Testing;

namespace Dashboard.Web.Tests.Shared;

/// <summary>The real console whose connection string names a database that does not exist on the server.</summary>
public sealed class UnreachableDatabaseApp : DashboardApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("ConnectionStrings:Jobs", TestPostgres.ConnectionStringFor($"missing_{Guid.NewGuid():N}"))];
}
