namespace Dashboard.Core.History;

/// <summary>The history's SQL, in one place: the minute writer, rollups, pruning and the chart reads.</summary>
internal static class HistorySql
{
    // Counts one minute [From, To) per kind and upserts it with the gauges given as arrays. Finished jobs come from
    // jobs_finished_at_idx; retries from jobs_claim_idx (a requeued job's run_at lies after its requeue); enqueued
    // jobs from a primary-key range (only asked for recent minutes). Stuck leases, for a minute written now (@Live),
    // are counted over every processing job through the job_leases view, i.e. the one stuck rule of migration 0004.
    // A final row is never rewritten.
    public const string WriteMinute = """
        WITH finished AS (
            SELECT kind, state,
                   extract(epoch FROM finished_at - leased_at) * 1000 AS run_ms,
                   extract(epoch FROM leased_at - run_at) * 1000 AS wait_ms
            FROM jobs
            WHERE finished_at >= @From AND finished_at < @To AND state IN ('done', 'failed')
        ), f AS (
            SELECT kind,
                   count(*) FILTER (WHERE state = 'done') AS completed,
                   count(*) FILTER (WHERE state = 'failed') AS failed,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_ms) AS wait_p50,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY wait_ms) AS wait_p95,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY run_ms) AS run_p50,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY run_ms) AS run_p95
            FROM finished
            GROUP BY kind
        ), r AS (
            SELECT kind, count(*) AS retried
            FROM jobs
            WHERE state = 'queued' AND run_at >= @From AND attempts > 0 AND updated_at >= @From AND updated_at < @To
            GROUP BY kind
        ), e AS (
            SELECT kind, count(*) AS enqueued
            FROM jobs
            WHERE @CountEnqueued
              AND id > coalesce((SELECT id FROM jobs WHERE created_at < @From ORDER BY id DESC LIMIT 1), 0)
              AND created_at >= @From AND created_at < @To
            GROUP BY kind
        ), g AS (
            SELECT * FROM unnest(@GaugeKinds::text[], @Queued::bigint[], @Processing::bigint[], @Paused::bigint[],
                                 @Oldest::float8[]) AS g(kind, queued, processing, paused, oldest)
        ), s AS (
            SELECT l.kind, count(*) FILTER (WHERE l.is_stuck) AS stuck
            FROM job_leases l
            WHERE @Live
            GROUP BY l.kind
        ), k AS (
            SELECT kind FROM f UNION SELECT kind FROM r UNION SELECT kind FROM e UNION SELECT kind FROM g
            UNION SELECT kind FROM s
        )
        INSERT INTO job_history AS h (kind, bucket, completed, failed, retried, enqueued, queued, processing, paused,
                                      stuck, oldest_queued_seconds, wait_p50_ms, wait_p95_ms, run_p50_ms, run_p95_ms,
                                      final, written_at)
        SELECT k.kind, @From, coalesce(f.completed, 0), coalesce(f.failed, 0), coalesce(r.retried, 0),
               CASE WHEN @CountEnqueued THEN coalesce(e.enqueued, 0) END,
               g.queued, g.processing, g.paused, CASE WHEN @Live THEN coalesce(s.stuck, 0) END,
               nullif(g.oldest, 'NaN'::float8),
               f.wait_p50, f.wait_p95, f.run_p50, f.run_p95, @Final, now()
        FROM k
        LEFT JOIN f ON f.kind = k.kind
        LEFT JOIN r ON r.kind = k.kind
        LEFT JOIN e ON e.kind = k.kind
        LEFT JOIN g ON g.kind = k.kind
        LEFT JOIN s ON s.kind = k.kind
        ON CONFLICT (kind, bucket) DO UPDATE SET
            completed = EXCLUDED.completed, failed = EXCLUDED.failed, retried = EXCLUDED.retried,
            enqueued = coalesce(EXCLUDED.enqueued, h.enqueued),
            queued = coalesce(EXCLUDED.queued, h.queued), processing = coalesce(EXCLUDED.processing, h.processing),
            paused = coalesce(EXCLUDED.paused, h.paused), stuck = coalesce(EXCLUDED.stuck, h.stuck),
            oldest_queued_seconds = coalesce(EXCLUDED.oldest_queued_seconds, h.oldest_queued_seconds),
            wait_p50_ms = EXCLUDED.wait_p50_ms, wait_p95_ms = EXCLUDED.wait_p95_ms,
            run_p50_ms = EXCLUDED.run_p50_ms, run_p95_ms = EXCLUDED.run_p95_ms,
            final = EXCLUDED.final, written_at = now()
        WHERE NOT h.final;
        """;

    // The last and the current hour, from their minute rows: sums of counters, the highest gauge, percentiles as the
    // count-weighted mean of minute medians and the highest minute p95 (approximate).
    public const string Rollup = """
        INSERT INTO job_history_hourly AS h (kind, bucket, completed, failed, retried, enqueued, queued, processing,
                                             paused, stuck, oldest_queued_seconds, wait_p50_ms, wait_p95_ms,
                                             run_p50_ms, run_p95_ms, final, written_at)
        SELECT kind, date_trunc('hour', bucket), sum(completed), sum(failed), sum(retried), sum(enqueued),
               max(queued), max(processing), max(paused), max(stuck), max(oldest_queued_seconds),
               sum(wait_p50_ms * (completed + failed)) / nullif(sum(completed + failed) FILTER (WHERE wait_p50_ms IS NOT NULL), 0),
               max(wait_p95_ms),
               sum(run_p50_ms * (completed + failed)) / nullif(sum(completed + failed) FILTER (WHERE run_p50_ms IS NOT NULL), 0),
               max(run_p95_ms),
               bool_and(final) AND count(*) > 0 AND date_trunc('hour', bucket) < date_trunc('hour', @Now::timestamptz), now()
        FROM job_history
        WHERE bucket >= date_trunc('hour', @Now::timestamptz) - interval '1 hour'
        GROUP BY kind, date_trunc('hour', bucket)
        ON CONFLICT (kind, bucket) DO UPDATE SET
            completed = EXCLUDED.completed, failed = EXCLUDED.failed, retried = EXCLUDED.retried,
            enqueued = EXCLUDED.enqueued, queued = EXCLUDED.queued, processing = EXCLUDED.processing,
            paused = EXCLUDED.paused, stuck = EXCLUDED.stuck, oldest_queued_seconds = EXCLUDED.oldest_queued_seconds,
            wait_p50_ms = EXCLUDED.wait_p50_ms, wait_p95_ms = EXCLUDED.wait_p95_ms,
            run_p50_ms = EXCLUDED.run_p50_ms, run_p95_ms = EXCLUDED.run_p95_ms,
            final = EXCLUDED.final, written_at = now();
        """;

    public const string Prune = """
        DELETE FROM job_history WHERE bucket < @Now::timestamptz - @Retention;
        DELETE FROM job_history_hourly WHERE bucket < @Now::timestamptz - @RollupRetention;
        DELETE FROM alert_events WHERE resolved_at < @Now::timestamptz - @RollupRetention;
        """;

    public const string Now = "SELECT now();";

    public const string LastFinal = "SELECT max(bucket) FROM job_history WHERE final AND bucket >= @Since;";

    private const string Columns = """
        kind AS Kind, date_bin(@Step, bucket, timestamptz '2000-01-01') AS Bucket,
        sum(completed)::bigint AS Completed, sum(failed)::bigint AS Failed, sum(retried)::bigint AS Retried,
        sum(enqueued)::bigint AS Enqueued, max(queued) AS Queued, max(processing) AS Processing, max(paused) AS Paused,
        max(stuck) AS Stuck, max(oldest_queued_seconds) AS OldestQueuedSeconds,
        sum(wait_p50_ms * (completed + failed)) / nullif(sum(completed + failed) FILTER (WHERE wait_p50_ms IS NOT NULL), 0) AS WaitP50Ms,
        max(wait_p95_ms) AS WaitP95Ms,
        sum(run_p50_ms * (completed + failed)) / nullif(sum(completed + failed) FILTER (WHERE run_p50_ms IS NOT NULL), 0) AS RunP50Ms,
        max(run_p95_ms) AS RunP95Ms
        """;

    // One kind over a range, downsampled on the server to @Step buckets.
    public const string Series = $"""
        SELECT {Columns}
        FROM job_history
        WHERE kind = @Kind AND bucket >= @Since
        GROUP BY kind, 2
        ORDER BY 2;
        """;

    // Every kind over the last hour, a point per minute (the overview's sparklines).
    public const string Recent = $"""
        SELECT {Columns}
        FROM job_history
        WHERE bucket >= @Since
        GROUP BY kind, 2
        ORDER BY 1, 2;
        """;

    // Operators' actions on the kind, or on all kinds, over the range: the charts' markers.
    public const string Markers = """
        SELECT at AS At, action AS Action, actor AS Actor, coalesce(target_kind, target_worker, '') AS Target
        FROM audit_log
        WHERE at >= @Since AND outcome = 'applied'
          AND (target_kind = @Kind OR (target_kind IS NULL AND target_job_id IS NULL))
        ORDER BY at
        LIMIT 200;
        """;
}
