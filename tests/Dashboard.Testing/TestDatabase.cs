using Dapper;
using Dashboard.Core.Database;
using Npgsql;
using Xunit;

namespace Dashboard.Testing;

/// <summary>
/// A fresh, migrated database for one test class (xunit class fixture), copied from a template that is migrated
/// once per test process. Classes run in parallel, each on its own database; the database is dropped afterwards.
/// </summary>
public class TestDatabase : IAsyncLifetime
{
    private static readonly SemaphoreSlim _templateLock = new(1, 1);
    private static string? _template;

    public string Name { get; } = $"t_{Guid.NewGuid():N}";

    public string ConnectionString => TestPostgres.ConnectionStringFor(Name);

    public Db Db { get; private set; } = default!;

    /// <summary>The same database as the console's least-privileged login role (see <see cref="TestPostgres.ConsoleRole"/>).</summary>
    public string ConsoleConnectionString { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var template = await EnsureTemplateAsync();
        await using (var admin = new NpgsqlConnection(TestPostgres.AdminConnectionString))
        {
            await admin.ExecuteAsync($"CREATE DATABASE \"{Name}\" TEMPLATE \"{template}\"");
        }

        Db = Db.Create(ConnectionString);
        ConsoleConnectionString = await TestPostgres.ConsoleConnectionStringForAsync(Name);
    }

    public async Task DisposeAsync()
    {
        await Db.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TestPostgres.AdminConnectionString);
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }

    /// <summary>Runs SQL the way an operator in psql would: its own connection, autocommit.</summary>
    public async Task<int> PsqlAsync(string sql, object? parameters = null)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        return await conn.ExecuteAsync(sql, parameters);
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        return (await conn.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        return [.. await conn.QueryAsync<T>(sql, parameters)];
    }

    private static async Task<string> EnsureTemplateAsync()
    {
        await _templateLock.WaitAsync();
        try
        {
            if (_template is not null)
            {
                return _template;
            }

            var name = $"tpl_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
            await using (var admin = new NpgsqlConnection(TestPostgres.AdminConnectionString))
            {
                await admin.ExecuteAsync($"CREATE DATABASE \"{name}\"");
            }

            await using (var db = Db.Create(TestPostgres.ConnectionStringFor(name)))
            {
                await new Migrator(db).MigrateAsync();
            }

            // CREATE DATABASE ... TEMPLATE needs the template to have no open connections.
            NpgsqlConnection.ClearAllPools();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DropQuietly(name);
            _template = name;
            return name;
        }
        finally
        {
            _templateLock.Release();
        }
    }

    private static void DropQuietly(string name)
    {
        try
        {
            using var admin = new NpgsqlConnection(TestPostgres.AdminConnectionString);
            admin.Execute($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
        catch (NpgsqlException)
        {
            // The server is going away with the run anyway.
        }
    }
}
