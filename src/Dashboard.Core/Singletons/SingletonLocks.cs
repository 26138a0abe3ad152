using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Core.Singletons;

/// <summary>
/// "One instance at a time" for background work, however many console instances run: a PostgreSQL session-level
/// advisory lock per work name, held on a dedicated unpooled connection. When the holder dies its connection ends
/// and PostgreSQL releases the lock (server-side TCP keepalives on that connection also end it when the holder's
/// host vanishes), so another instance takes over on its next attempt. The holder checks its connection every
/// <see cref="SingletonOptions.CheckInterval"/> and gives the work up when it is gone.
/// </summary>
public sealed class SingletonLocks(IOptions<DashboardOptions> options, InstanceIdentity identity, ILogger<SingletonLocks> logger)
{
    /// <summary>The prefix of the lock connections' application_name ("dashboard-singleton:name@instance").</summary>
    public const string ApplicationNamePrefix = "dashboard-singleton:";

    // Server-side keepalives end the session (and so release the lock) about 25 s after the holder's host vanishes.
    private const string KeepAliveSql = "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3;";

    private const string TryLockSql = "SELECT pg_try_advisory_lock(hashtextextended(@Key, 0));";

    // pg_locks shows a bigint advisory key as classid (high half) and objid (low half), objsubid 1.
    private const string HolderSql = """
        SELECT a.application_name
        FROM pg_locks l
        JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(@Key, 0)
        LIMIT 1;
        """;

    /// <summary>The lock key of a work name (namespaced so other applications' advisory locks do not collide).</summary>
    public static string KeyOf(string name) => "dashboard.singleton." + name;

    /// <summary>
    /// Takes the named lock if no instance holds it. Returns null when another instance holds it; throws when the
    /// database is unreachable. Dispose the lease to give the work up.
    /// </summary>
    public async Task<SingletonLease?> TryAcquireAsync(string name, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var settings = options.Value;
        var builder = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            Pooling = false,
            ApplicationName = Truncate($"{ApplicationNamePrefix}{name}@{identity.Id}", 63),
            KeepAlive = (int)Math.Max(1, settings.Singletons.CheckInterval.TotalSeconds),
        };
        var conn = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await conn.OpenAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition(KeepAliveSql, cancellationToken: ct));
            var acquired = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(TryLockSql, new { Key = KeyOf(name) }, cancellationToken: ct));
            if (!acquired)
            {
                await conn.DisposeAsync();
                return null;
            }

            logger.LogInformation("This instance ({Instance}) now runs {Work}", identity.Id, name);
            return new SingletonLease(name, conn, settings.Singletons.CheckInterval, logger);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>The instance that holds the named lock now (from the holder's application_name), or null.</summary>
    public async Task<string?> HolderAsync(string name, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString) { Pooling = false };
        await using var conn = new NpgsqlConnection(builder.ConnectionString);
        await conn.OpenAsync(ct);
        var app = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(HolderSql, new { Key = KeyOf(name) }, cancellationToken: ct));
        var prefix = $"{ApplicationNamePrefix}{name}@";
        return app is not null && app.StartsWith(prefix, StringComparison.Ordinal) ? app[prefix.Length..] : app;
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
