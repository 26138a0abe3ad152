using Dapper;
using Dashboard.Core.Database;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>A migrated database created for one benchmark run on the given server, dropped afterwards.</summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private ScratchDatabase(string adminConnectionString, string name)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name, MaxPoolSize = 200 }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<ScratchDatabase> CreateAsync(string connectionString)
    {
        var database = new ScratchDatabase(connectionString, $"dashboard_bench_{Guid.NewGuid():N}"[..32]);
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.ExecuteAsync($"CREATE DATABASE \"{database.Name}\"");
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
        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }
}
