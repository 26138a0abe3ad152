using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Readiness;

/// <summary>
/// Stores what workers declare about their kinds' shutdowns (idempotent, checkpoints, maximum run time) in
/// <c>job_kinds</c>, where the console and workers in any language read them. A worker declares at start.
/// </summary>
public sealed class KindFactsCommands(Db db)
{
    // A kind without a row gets one without a lease timeout of its own (it keeps the queue's default). Identical
    // re-declarations (every worker of a fleet, every restart) change nothing.
    private const string DeclareSql = """
        INSERT INTO job_kinds (kind, idempotent, checkpoints, max_run_time, facts_declared_by, facts_declared_at)
        SELECT f.kind, f.idempotent, f.checkpoints, f.max_run_time, @DeclaredBy, now()
        FROM unnest(@Kinds::text[], @Idempotent::boolean[], @Checkpoints::boolean[], @MaxRunTimes::interval[])
             AS f(kind, idempotent, checkpoints, max_run_time)
        ON CONFLICT (kind) DO UPDATE
        SET idempotent = excluded.idempotent,
            checkpoints = excluded.checkpoints,
            max_run_time = excluded.max_run_time,
            facts_declared_by = excluded.facts_declared_by,
            facts_declared_at = excluded.facts_declared_at,
            updated_at = now()
        WHERE (job_kinds.idempotent, job_kinds.checkpoints, job_kinds.max_run_time)
              IS DISTINCT FROM (excluded.idempotent, excluded.checkpoints, excluded.max_run_time)
        """;

    /// <summary>
    /// Declares <paramref name="facts"/> for their kinds on behalf of <paramref name="declaredBy"/>. Returns how
    /// many kinds' facts changed.
    /// </summary>
    public async Task<int> DeclareAsync(
        IReadOnlyCollection<KindFacts> facts, string declaredBy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentException.ThrowIfNullOrEmpty(declaredBy);
        foreach (var f in facts)
        {
            ArgumentException.ThrowIfNullOrEmpty(f.Kind);
            if (f.MaxRunTime is { } max && max <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(facts), $"The maximum run time of '{f.Kind}' must be positive.");
            }
        }

        if (facts.Count == 0)
        {
            return 0;
        }

        var ordered = facts.DistinctBy(f => f.Kind, StringComparer.Ordinal).OrderBy(f => f.Kind, StringComparer.Ordinal).ToList();
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(
            DeclareSql,
            new
            {
                Kinds = ordered.Select(f => f.Kind).ToArray(),
                Idempotent = ordered.Select(f => f.Idempotent).ToArray(),
                Checkpoints = ordered.Select(f => f.Checkpoints).ToArray(),
                MaxRunTimes = ordered.Select(f => f.MaxRunTime).ToArray(),
                DeclaredBy = declaredBy,
            },
            cancellationToken: ct));
    }
}
