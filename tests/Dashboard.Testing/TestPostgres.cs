using Npgsql;

namespace Dashboard.Testing;

/// <summary>
/// The throwaway PostgreSQL server that scripts/test.sh starts for the whole run. Tests never read a developer's
/// configuration; without the server they fail with this message rather than being skipped.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "DASHBOARD_TEST_PG";

    /// <summary>A connection string to the server's maintenance database, as a superuser.</summary>
    public static string AdminConnectionString { get; } = Read();

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    /// <summary>The login role the console under test connects as: not a superuser, holding only dashboard_app.</summary>
    public const string ConsoleRole = "dashboard_console_test";

    private static readonly SemaphoreSlim _consoleRoleLock = new(1, 1);
    private static bool _consoleRoleReady;

    /// <summary>
    /// A connection string to <paramref name="database"/> as <see cref="ConsoleRole"/>, as a least-privileged
    /// deployment runs the console. The role is created once per server (it needs dashboard_app, which the
    /// migrations create, so call this after migrating).
    /// </summary>
    public static async Task<string> ConsoleConnectionStringForAsync(string database)
    {
        await _consoleRoleLock.WaitAsync();
        try
        {
            if (!_consoleRoleReady)
            {
                // Test processes run in parallel: whoever comes second finds the role there.
                await AdminAsync($"""
                    DO $$
                    BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ConsoleRole}') THEN
                            CREATE ROLE {ConsoleRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE dashboard_app;
                        END IF;
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                    END
                    $$
                    """);
                _consoleRoleReady = true;
            }
        }
        finally
        {
            _consoleRoleLock.Release();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionStringFor(database)) { Username = ConsoleRole }.ConnectionString;
    }

    /// <summary>Runs a statement on the maintenance database (CREATE/DROP DATABASE and the like).</summary>
    public static async Task AdminAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static string Read()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. Run the tests with scripts/test.sh, which starts a throwaway PostgreSQL and sets it.");
        }

        return value;
    }
}
