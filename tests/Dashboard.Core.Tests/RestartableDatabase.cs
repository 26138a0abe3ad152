using Dashboard.Core.Database;
using Dashboard.Testing;

namespace Dashboard.Core.Tests;

/// <summary>A migrated database on a private server that tests may stop and start (a class fixture).</summary>
public sealed class RestartableDatabase : IAsyncLifetime
{
    private const string DatabaseName = "jobs";

    public PostgresServer Server { get; private set; } = default!;

    public string ConnectionString => Server.ConnectionStringFor(DatabaseName);

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.StartNewAsync();
        await using (var admin = Db.Create(Server.AdminConnectionString))
        await using (var conn = await admin.OpenAsync(CancellationToken.None))
        await using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = $"CREATE DATABASE {DatabaseName}";
            await cmd.ExecuteNonQueryAsync();
        }

        await using var db = Db.Create(ConnectionString);
        await new Migrator(db).MigrateAsync();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
