using Dashboard.Core.Rules;

namespace Dashboard.Core.Changes;

/// <summary>The snapshot's statements, sent together in one round trip inside one read-only transaction.</summary>
internal static class SnapshotSql
{
    public const string Now = $"SELECT now() AS Now, job_lease_timeout(NULL, {LeaseRules.DefaultLeaseTimeout}) AS DefaultLeaseTimeout;";

    // Live rows (jobs_live_idx): find each queued or paused (state, kind) pair by skipping through the index (one
    // probe per pair; the processing pairs are stepped over, they come from the leases), then count each pair only
    // up to @LiveCap + 1, so the cost follows the number of pairs, never the backlog.
    // Pairs the last full count found above the cap (@BigStates, @BigKinds) are not recounted between slow refreshes:
    // they show the planner's estimate anyway. Processing pairs are counted exactly from job_leases instead. The
    // oldest queued job of a kind is the index's first entry for the pair, exact at any size.
    public const string LiveCounts = """
        WITH RECURSIVE pairs AS (
            (SELECT j.state, j.kind FROM jobs j
             WHERE j.state NOT IN ('done', 'failed') AND j.state <> 'processing'
             ORDER BY j.state, j.kind LIMIT 1)
            UNION ALL
            SELECT n.state, n.kind
            FROM pairs p
            CROSS JOIN LATERAL (
                SELECT j.state, j.kind FROM jobs j
                WHERE j.state NOT IN ('done', 'failed') AND j.state <> 'processing' AND (j.state, j.kind) > (p.state, p.kind)
                ORDER BY j.state, j.kind
                LIMIT 1) n
        )
        SELECT p.state AS State, p.kind AS Kind,
               CASE WHEN (p.state, p.kind) IN (SELECT b.state, b.kind FROM unnest(@BigStates::text[], @BigKinds::text[]) AS b(state, kind))
                        THEN @LiveCap + 1
               ELSE
                   (SELECT count(*) FROM (
                        SELECT 1 FROM jobs j
                        WHERE j.state = p.state AND j.kind = p.kind AND j.state NOT IN ('done', 'failed')
                        LIMIT @LiveCap + 1) capped) END AS Count,
               CASE WHEN p.state = 'queued' THEN
                   (SELECT j.run_at FROM jobs j
                    WHERE j.state = 'queued' AND j.kind = p.kind AND j.state NOT IN ('done', 'failed')
                    ORDER BY j.run_at LIMIT 1) END AS OldestQueuedAt
        FROM pairs p;
        """;

    // Finished rows: find kinds by skipping through jobs_finished_idx (one probe per kind), then count each
    // (kind, state) up to the cap; a pair that reaches the cap gets the planner's estimate for the pair instead (at
    // least the cap). The repeated "state IN (...)" lets the planner use the partial index. Slow cadence only; pairs
    // the last full count found at the cap (@KeptStates, @KeptKinds) keep that count and estimate until the next
    // full count.
    public const string FinishedCounts = """
        WITH RECURSIVE finished_kinds AS (
            (SELECT kind FROM jobs WHERE state IN ('done', 'failed') ORDER BY kind LIMIT 1)
            UNION ALL
            SELECT (SELECT j.kind FROM jobs j
                    WHERE j.state IN ('done', 'failed') AND j.kind > f.kind
                    ORDER BY j.kind LIMIT 1)
            FROM finished_kinds f
            WHERE f.kind IS NOT NULL
        )
        SELECT s.state AS State, f.kind AS Kind,
               CASE WHEN c.n >= @Cap THEN greatest(c.n, jobs_estimate_count(s.state, f.kind)) ELSE c.n END AS Count
        FROM finished_kinds f
        CROSS JOIN (VALUES ('done'), ('failed')) AS s(state)
        CROSS JOIN LATERAL (
            SELECT count(*) AS n FROM (
                SELECT 1 FROM jobs j
                WHERE j.kind = f.kind AND j.state = s.state AND j.state IN ('done', 'failed')
                LIMIT @Cap) capped) c
        WHERE f.kind IS NOT NULL
          AND (s.state, f.kind) NOT IN (SELECT k.state, k.kind FROM unnest(@KeptStates::text[], @KeptKinds::text[]) AS k(state, kind));
        """;

    // Planner statistics: total rows and the share of each finished state, for finished counts above the cap.
    public const string Estimates = """
        SELECT greatest(c.reltuples, 0)::bigint AS TotalRows,
               (SELECT s.most_common_vals::text::text[] FROM pg_stats s
                WHERE s.schemaname = current_schema() AND s.tablename = 'jobs' AND s.attname = 'state') AS StateValues,
               (SELECT s.most_common_freqs FROM pg_stats s
                WHERE s.schemaname = current_schema() AND s.tablename = 'jobs' AND s.attname = 'state') AS StateFrequencies
        FROM pg_class c
        WHERE c.oid = 'jobs'::regclass;
        """;

    // The planner's estimate for live pairs above @LiveCap (statistics only, no rows read). Slow cadence.
    public const string PairEstimates = """
        SELECT p.state AS State, p.kind AS Kind, jobs_estimate_count(p.state, p.kind) AS Count
        FROM unnest(@EstimateStates::text[], @EstimateKinds::text[]) AS p(state, kind);
        """;

    public const string KindSettings = $"""
        SELECT k.kind AS Kind, {LeaseRules.LeaseTimeout} AS LeaseTimeout, k.paused AS Paused, k.paused_by AS PausedBy,
               k.paused_at AS PausedAt, k.pause_reason AS PauseReason, k.pause_expires_at AS PauseExpiresAt
        FROM job_kinds k;
        """;

    public const string Intake = """
        SELECT accepting AS Accepting, changed_by AS ChangedBy, changed_at AS ChangedAt, reason AS Reason
        FROM queue_control;
        """;
}
