using Dapper;
using Dashboard.Core.Database;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>
/// A migrated database created for one benchmark run on the given server, dropped afterwards; or, with
/// <c>--database NAME</c>, a named one that is created when missing and kept, so that a large load can be reused.
/// </summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;
    private readonly bool _keep;

    private ScratchDatabase(string adminConnectionString, string name, bool keep)
    {
        _adminConnectionString = adminConnectionString;
        _keep = keep;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name, MaxPoolSize = 200 }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<ScratchDatabase> CreateAsync(string connectionString, string? keptName = null)
    {
        var database = new ScratchDatabase(connectionString, keptName ?? $"dashboard_bench_{Guid.NewGuid():N}"[..32], keptName is not null);
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            var exists = await admin.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT FROM pg_database WHERE datname = @Name)", new { database.Name });
            if (!exists)
            {
                await admin.ExecuteAsync($"CREATE DATABASE \"{database.Name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
            }
        }

        await using var db = Db.Create(database.ConnectionString);
        await new Migrator(db).MigrateAsync();
        return database;
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        return (await conn.ExecuteScalarAsync<T>(sql))!;
    }

    public async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        // Loading millions of rows takes minutes: no command timeout.
        await conn.ExecuteAsync(new CommandDefinition(sql, parameters, commandTimeout: 0));
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_keep)
        {
            return;
        }

        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }
}
