using Dapper;
using Npgsql;

namespace Dashboard.Core.Database;

/// <summary>The login roles of a least-privileged deployment and their passwords.</summary>
public sealed record RoleLogins(string Owner, string OwnerPassword, string Console, string ConsolePassword, string Worker, string WorkerPassword)
{
    public const string DefaultOwner = "dashboard_owner";
    public const string DefaultConsole = "dashboard_console";
    public const string DefaultWorker = "dashboard_demo_worker";
}

/// <summary>
/// Creates the roles and database of a least-privileged deployment, run once as a superuser (re-running is harmless
/// and resets the passwords): an owner login that owns the database and applies migrations; a console login holding
/// only <c>dashboard_app</c> (read and append the audit log, read and change the operational tables); a worker login
/// holding only <c>dashboard_worker</c> (the worker contract). None of them is a superuser or may create roles or
/// databases.
/// </summary>
public static class RoleSetup
{
    public const string AppRole = "dashboard_app";
    public const string WorkerRole = "dashboard_worker";

    private const string RoleExistsSql = "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = @Name)";

    // Utility statements take no parameters: the server quotes names and passwords itself (format %I / %L).
    private const string CreateLoginSql =
        "SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', @Name::text, @Password::text)";

    private const string AlterLoginSql =
        "SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', @Name::text, @Password::text)";

    private const string GroupSql = "SELECT format('CREATE ROLE %I NOLOGIN', @Name::text)";

    private const string GrantSql = "SELECT format('GRANT %I TO %I', @Group::text, @Login::text)";

    private const string DatabaseExistsSql = "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @Name)";

    private const string CreateDatabaseSql = "SELECT format('CREATE DATABASE %I OWNER %I', @Name::text, @Owner::text)";

    // Only the owner creates objects in the schema (before PostgreSQL 15 everyone could).
    private const string SchemaSql = "SELECT format('ALTER SCHEMA public OWNER TO %I; REVOKE CREATE ON SCHEMA public FROM PUBLIC', @Owner::text)";

    /// <summary>
    /// Ensures the roles and the database <paramref name="database"/> (owned by the owner login) on the server that
    /// <paramref name="adminConnectionString"/> reaches as a superuser.
    /// </summary>
    public static async Task EnsureAsync(string adminConnectionString, string database, RoleLogins logins, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(logins);
        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync(ct);
            foreach (var group in new[] { AppRole, WorkerRole })
            {
                try
                {
                    if (!await ExistsAsync(admin, RoleExistsSql, group, ct))
                    {
                        await RunBuiltAsync(admin, GroupSql, new { Name = group }, ct);
                    }
                }
                catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation)
                {
                    // Created by a concurrent setup or migration: what was wanted.
                }
            }

            foreach (var (login, password, group) in new[]
            {
                (logins.Owner, logins.OwnerPassword, (string?)null),
                (logins.Console, logins.ConsolePassword, AppRole),
                (logins.Worker, logins.WorkerPassword, WorkerRole),
            })
            {
                var sql = await ExistsAsync(admin, RoleExistsSql, login, ct) ? AlterLoginSql : CreateLoginSql;
                await RunBuiltAsync(admin, sql, new { Name = login, Password = password }, ct);
                if (group is not null)
                {
                    await RunBuiltAsync(admin, GrantSql, new { Group = group, Login = login }, ct);
                }
            }

            if (!await ExistsAsync(admin, DatabaseExistsSql, database, ct))
            {
                await RunBuiltAsync(admin, CreateDatabaseSql, new { Name = database, Owner = logins.Owner }, ct);
            }
        }

        var inDatabase = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database }.ConnectionString;
        await using var conn = new NpgsqlConnection(inDatabase);
        await conn.OpenAsync(ct);
        await RunBuiltAsync(conn, SchemaSql, new { Owner = logins.Owner }, ct);
    }

    /// <summary><paramref name="adminConnectionString"/> with another database, user and password.</summary>
    public static string ConnectionStringFor(string adminConnectionString, string database, string user, string password) =>
        new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database, Username = user, Password = password }.ConnectionString;

    private static async Task<bool> ExistsAsync(NpgsqlConnection conn, string sql, string name, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(sql, new { Name = name }, cancellationToken: ct));

    private static async Task RunBuiltAsync(NpgsqlConnection conn, string buildSql, object parameters, CancellationToken ct)
    {
        var statement = await conn.ExecuteScalarAsync<string>(new CommandDefinition(buildSql, parameters, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(statement!, cancellationToken: ct));
    }
}
