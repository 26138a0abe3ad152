using System.Data;
using Dapper;
using Dashboard.Core.Database;
using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.Readiness;

/// <summary>
/// The deploy-readiness rule, written once: for every running job, its expected remaining time and what a restart
/// with a given grace period does to it. The drain view, the deploy gate (and through it the CLI) and the reference
/// worker's shutdown all read verdicts from here. Counts are an aggregate over every running job; lists are capped.
/// </summary>
public sealed class ReadinessQueries(Db db, TimeSpan? statementTimeout = null)
{
    /// <summary>How many of a kind's latest finished jobs its recent run times come from.</summary>
    public const int RecentRunSamples = 100;

    /// <summary>How many running jobs a report lists (most urgent first); the counts cover all of them.</summary>
    public const int DefaultListLimit = 200;

    /// <summary>How many kinds' declared facts a report carries.</summary>
    public const int KindLimit = 500;

    // The rule. Inputs: @GraceSeconds, @Ids (null: every running job), @RecentRuns.
    // Expected remaining time: from the attempt's own progress rate when it reported progress during this attempt;
    // otherwise from the kind's recent run times: p95 of its latest finished jobs minus the time this one has run
    // (unknown once it has outrun that p95, or when the kind has no finished job). Unknown never "finishes".
    // Verdict, first match wins: over its kind's maximum run time / finishes within the grace period / released
    // with its checkpoint (kind checkpoints) / re-run from the start (kind idempotent) / unsafe. Undeclared facts
    // count as false.
    internal const string VerdictsCte = """
        WITH running AS (
            SELECT j.id, j.kind, j.leased_by, j.leased_at,
                   extract(epoch FROM now() - j.leased_at)::float8 AS elapsed_s,
                   j.progress::float8 AS progress, coalesce(j.progress_base, 0)::float8 AS progress_base, j.progress_at,
                   k.idempotent, k.checkpoints, extract(epoch FROM k.max_run_time)::float8 AS max_run_s
            FROM jobs j
            LEFT JOIN job_kinds k ON k.kind = j.kind
            WHERE j.state = 'processing'
              AND (@Ids::bigint[] IS NULL OR j.id = ANY(@Ids::bigint[]))
        ),
        recent AS (
            -- The latest finished runs of each kind running now, newest first through jobs_recent_runs_idx.
            SELECT r.kind, s.p50, s.p95, s.samples
            FROM (SELECT DISTINCT kind FROM running) r
            CROSS JOIN LATERAL (
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d.run_s) AS p50,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY d.run_s) AS p95,
                       count(*)::int AS samples
                FROM (SELECT extract(epoch FROM f.finished_at - f.leased_at)::float8 AS run_s
                      FROM jobs f
                      WHERE f.kind = r.kind AND f.state = 'done'
                        AND f.finished_at IS NOT NULL AND f.leased_at IS NOT NULL
                      ORDER BY f.finished_at DESC
                      LIMIT @RecentRuns) d
            ) s
        ),
        estimated AS (
            SELECT r.*, h.p50, h.p95, coalesce(h.samples, 0) AS samples,
                   CASE WHEN r.progress > r.progress_base AND r.progress_at > r.leased_at
                        THEN (1 - r.progress) * extract(epoch FROM r.progress_at - r.leased_at)::float8
                             / (r.progress - r.progress_base)
                   END AS by_progress_s,
                   CASE WHEN h.samples > 0 AND r.elapsed_s <= h.p95 THEN h.p95 - r.elapsed_s END AS by_recent_s
            FROM running r
            LEFT JOIN recent h ON h.kind = r.kind
        ),
        verdicts AS (
            SELECT e.*,
                   coalesce(e.by_progress_s, e.by_recent_s) AS remaining_s,
                   CASE WHEN e.by_progress_s IS NOT NULL THEN 0 WHEN e.by_recent_s IS NOT NULL THEN 1 ELSE 2 END AS basis,
                   CASE
                       WHEN e.max_run_s IS NOT NULL AND e.elapsed_s > e.max_run_s THEN 'over_max'
                       WHEN coalesce(e.by_progress_s, e.by_recent_s) <= @GraceSeconds THEN 'finishes'
                       WHEN e.checkpoints THEN 'resumes'
                       WHEN e.idempotent THEN 'reruns'
                       ELSE 'unsafe'
                   END AS verdict
            FROM estimated e
        )
        """;

    private const string CountsSql = VerdictsCte + """
        SELECT verdict AS Verdict, count(*) AS Count FROM verdicts GROUP BY verdict;
        """;

    private const string ListSql = VerdictsCte + """
        SELECT id AS Id, kind AS Kind, leased_by AS LeasedBy, leased_at AS LeasedAt, elapsed_s AS ElapsedSeconds,
               progress AS Progress, remaining_s AS RemainingSeconds, basis AS Basis, p50 AS P50Seconds,
               p95 AS P95Seconds, samples AS Samples, idempotent AS Idempotent, checkpoints AS Checkpoints,
               max_run_s AS MaxRunSeconds, verdict AS Verdict
        FROM verdicts
        ORDER BY CASE verdict WHEN 'unsafe' THEN 0 WHEN 'over_max' THEN 1 WHEN 'reruns' THEN 2 WHEN 'resumes' THEN 3 ELSE 4 END,
                 remaining_s DESC NULLS FIRST, id
        LIMIT @Limit;
        """;

    private const string KindFactsSql = """
        SELECT kind AS Kind, idempotent AS Idempotent, checkpoints AS Checkpoints,
               extract(epoch FROM max_run_time)::float8 AS MaxRunSeconds,
               facts_declared_by AS DeclaredBy, facts_declared_at AS DeclaredAt
        FROM job_kinds
        WHERE idempotent IS NOT NULL OR checkpoints IS NOT NULL OR max_run_time IS NOT NULL
        ORDER BY kind
        LIMIT @KindLimit;
        """;

    /// <summary>
    /// Every running job's verdict for <paramref name="grace"/>: counts over all of them, the
    /// <paramref name="limit"/> most urgent listed, and the kinds' declared facts. One read-only snapshot.
    /// </summary>
    public async Task<ReadinessReport> GetReportAsync(TimeSpan grace, int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 0);
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await conn.ExecuteAsync(new CommandDefinition(ReadOnlySql(), transaction: tx, cancellationToken: ct));
        var parameters = Parameters(grace, null, limit);
        await using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            "SELECT now();" + CountsSql + ListSql + KindFactsSql, parameters, tx, cancellationToken: ct));
        var now = Utc(await grid.ReadSingleAsync<DateTime>());
        var counts = (await grid.ReadAsync<CountRow>()).ToDictionary(c => Verdicts.Parse(c.Verdict), c => c.Count);
        var jobs = (await grid.ReadAsync<JobRow>()).Select(r => r.ToModel()).ToList();
        var kinds = (await grid.ReadAsync<KindRow>()).Select(r => r.ToModel()).ToList();
        await tx.CommitAsync(ct);
        return new ReadinessReport(grace, now, counts, jobs, kinds);
    }

    /// <summary>
    /// The verdicts of the given jobs for <paramref name="grace"/> (the ones still running; others are absent).
    /// The worker's shutdown asks this about the jobs it holds, with its budget as the grace period.
    /// </summary>
    public async Task<IReadOnlyList<RunningJobReadiness>> ListForJobsAsync(
        IReadOnlyCollection<long> ids, TimeSpan grace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        if (ids.Count == 0)
        {
            return [];
        }

        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<JobRow>(new CommandDefinition(
            ListSql, Parameters(grace, [.. ids], ids.Count), cancellationToken: ct));
        return [.. rows.Select(r => r.ToModel())];
    }

    private string ReadOnlySql() =>
        "SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = "
        + (int)(statementTimeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;

    private static object Parameters(TimeSpan grace, long[]? ids, int limit) => new
    {
        GraceSeconds = grace.TotalSeconds,
        Ids = ids,
        RecentRuns = RecentRunSamples,
        Limit = limit,
        KindLimit,
    };

    private static TimeSpan? Seconds(double? value) => value is { } v && double.IsFinite(v) ? TimeSpan.FromSeconds(Math.Max(0, v)) : null;

    private sealed class CountRow
    {
        public string Verdict { get; init; } = "";
        public long Count { get; init; }
    }

    private sealed class JobRow
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string? LeasedBy { get; init; }
        public DateTime? LeasedAt { get; init; }
        public double? ElapsedSeconds { get; init; }
        public double? Progress { get; init; }
        public double? RemainingSeconds { get; init; }
        public int Basis { get; init; }
        public double? P50Seconds { get; init; }
        public double? P95Seconds { get; init; }
        public int Samples { get; init; }
        public bool? Idempotent { get; init; }
        public bool? Checkpoints { get; init; }
        public double? MaxRunSeconds { get; init; }
        public string Verdict { get; init; } = "";

        public RunningJobReadiness ToModel() => new(
            Id, Kind, LeasedBy, LeasedAt is { } at ? Utc(at) : null, Seconds(ElapsedSeconds), Progress,
            Seconds(RemainingSeconds), (RemainingBasis)Basis, Seconds(P50Seconds), Seconds(P95Seconds), Samples,
            Idempotent, Checkpoints, Seconds(MaxRunSeconds), Verdicts.Parse(Verdict));
    }

    private sealed class KindRow
    {
        public string Kind { get; init; } = "";
        public bool? Idempotent { get; init; }
        public bool? Checkpoints { get; init; }
        public double? MaxRunSeconds { get; init; }
        public string? DeclaredBy { get; init; }
        public DateTime? DeclaredAt { get; init; }

        public KindFacts ToModel() => new(Kind, Idempotent, Checkpoints, Seconds(MaxRunSeconds))
        {
            DeclaredBy = DeclaredBy,
            DeclaredAt = DeclaredAt is { } at ? Utc(at) : null,
        };
    }
}
