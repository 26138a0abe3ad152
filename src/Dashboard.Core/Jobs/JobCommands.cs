using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Jobs;

/// <summary>Writes that put work on the queue.</summary>
public sealed class JobCommands(Db db)
{
    // A job of a paused kind is parked as 'paused' by the jobs_park_paused_kind trigger.
    private const string EnqueueSql = """
        INSERT INTO jobs (kind, payload, run_at, max_attempts)
        VALUES (@Kind, @Payload::jsonb, coalesce(@RunAt, now()), coalesce(@MaxAttempts, 5))
        RETURNING id
        """;

    /// <summary>
    /// Adds a job of <paramref name="kind"/> with <paramref name="payloadJson"/> (JSON text), due at
    /// <paramref name="runAt"/> (now when null). Returns its id.
    /// </summary>
    public async Task<long> EnqueueAsync(
        string kind, string payloadJson = "{}", DateTime? runAt = null, int? maxAttempts = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(payloadJson);
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            EnqueueSql, new { Kind = kind, Payload = payloadJson, RunAt = runAt, MaxAttempts = maxAttempts }, cancellationToken: ct));
    }

    private const string EnqueueManySql = """
        INSERT INTO jobs (kind, payload)
        SELECT @Kind, p::jsonb FROM unnest(@Payloads::text[]) WITH ORDINALITY AS t(p, n)
        ORDER BY n
        """;

    /// <summary>Adds one job of <paramref name="kind"/> per payload (JSON text), in one statement. Returns how many.</summary>
    public async Task<int> EnqueueManyAsync(string kind, IReadOnlyCollection<string> payloadsJson, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(payloadsJson);
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(
            EnqueueManySql, new { Kind = kind, Payloads = payloadsJson.ToArray() }, cancellationToken: ct));
    }
}
