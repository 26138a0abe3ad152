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
