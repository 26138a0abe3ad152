using System.Security.Cryptography;
using System.Text;
using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Security;

/// <summary>
/// Browser sessions on the server (<c>console_sessions</c>): a session is valid while its row exists, has not ended
/// and has not expired. Every console instance on the same database sees the same rows, so signing out on one
/// ends the session on all of them. Only SHA-256 hashes of session ids are stored.
/// </summary>
public sealed class SessionStore(Db db)
{
    // Ended and expired rows are kept a day (for investigation), then pruned when sessions start.
    internal const string StartSql = """
        WITH pruned AS (
            DELETE FROM console_sessions WHERE expires_at < now() - interval '1 day'
        )
        INSERT INTO console_sessions (id_hash, actor, expires_at) VALUES (@Hash, @Actor, @Expires)
        """;

    internal const string IsActiveSql = """
        SELECT EXISTS (SELECT 1 FROM console_sessions WHERE id_hash = @Hash AND ended_at IS NULL AND expires_at > now())
        """;

    internal const string EndSql = "UPDATE console_sessions SET ended_at = now() WHERE id_hash = @Hash AND ended_at IS NULL";

    /// <summary>Starts a session for <paramref name="actor"/> until <paramref name="expires"/>; returns its new id.</summary>
    public async Task<string> StartAsync(string actor, DateTimeOffset expires, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(StartSql, new { Hash = Hash(id), Actor = actor, Expires = expires }, cancellationToken: ct));
        return id;
    }

    /// <summary>Whether the session exists, has not ended and has not expired. Throws when the database is unreachable.</summary>
    public async Task<bool> IsActiveAsync(string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(IsActiveSql, new { Hash = Hash(id) }, cancellationToken: ct));
    }

    /// <summary>Ends the session (sign-out); returns whether it was still open.</summary>
    public async Task<bool> EndAsync(string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(EndSql, new { Hash = Hash(id) }, cancellationToken: ct)) > 0;
    }

    private static byte[] Hash(string id) => SHA256.HashData(Encoding.UTF8.GetBytes(id));
}
