using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Demo;

/// <summary>Loads the embedded default's demo data: a dozen kinds with jobs in every state, some stuck leases.</summary>
public sealed class DemoData(Db db)
{
    /// <summary>The demo's kinds. The demo fleet runs handlers for them.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
    [
        "email.send", "search.reindex", "billing.invoice", "image.resize", "report.build", "webhook.deliver",
        "cache.warm", "export.csv", "video.transcode", "user.cleanup", "sms.send", "ledger.reconcile",
    ];

    private const string IsSeededSql = "SELECT EXISTS (SELECT 1 FROM jobs LIMIT 1)";

    // Deterministic shape, fixed by the seed's arithmetic: thousands of jobs in every state, a paused kind,
    // leases both fresh and older than their kind's timeout, and a dead worker still holding leases.
    private const string SeedSql = """
        INSERT INTO job_kinds (kind, lease_timeout)
        SELECT k, CASE WHEN k IN ('video.transcode', 'report.build') THEN interval '10 minutes' ELSE interval '5 minutes' END
        FROM unnest(@Kinds::text[]) AS k
        ON CONFLICT (kind) DO NOTHING;

        INSERT INTO jobs (kind, state, payload, attempts, run_at, created_at, updated_at, finished_at, last_error)
        SELECT (@Kinds::text[])[1 + i % array_length(@Kinds::text[], 1)],
               CASE WHEN i % 10 = 9 THEN 'failed' ELSE 'done' END,
               jsonb_build_object('n', i),
               CASE WHEN i % 10 = 9 THEN 5 ELSE 1 END,
               now() - make_interval(secs => 60 + i * 7),
               now() - make_interval(secs => 60 + i * 7),
               now() - make_interval(secs => 30 + i * 7),
               now() - make_interval(secs => 30 + i * 7),
               CASE WHEN i % 10 = 9 THEN 'demo: upstream returned 503' END
        FROM generate_series(1, 24000) AS i;

        INSERT INTO jobs (kind, state, payload, run_at, created_at)
        SELECT (@Kinds::text[])[1 + i % array_length(@Kinds::text[], 1)], 'queued', jsonb_build_object('n', i),
               now() - make_interval(secs => i % 900), now() - make_interval(secs => i % 900)
        FROM generate_series(1, 6000) AS i;

        INSERT INTO jobs (kind, state, payload, run_at, created_at)
        SELECT 'export.csv', 'paused', jsonb_build_object('n', i), now() - interval '20 minutes', now() - interval '20 minutes'
        FROM generate_series(1, 1500) AS i;
        UPDATE job_kinds SET paused = true, paused_by = 'demo', paused_at = now() - interval '20 minutes',
               pause_reason = 'demo: waiting for the export service maintenance window'
        WHERE kind = 'export.csv';

        -- Leases held by a worker that died 25 minutes ago: stuck.
        INSERT INTO jobs (kind, state, payload, attempts, run_at, created_at, leased_by, leased_at, heartbeat_at, lease_token)
        SELECT (@Kinds::text[])[1 + i % 4], 'processing', jsonb_build_object('n', i), 1,
               now() - interval '30 minutes', now() - interval '30 minutes', 'demo-host-2:4117',
               now() - interval '25 minutes' - make_interval(secs => i), now() - interval '25 minutes', gen_random_uuid()
        FROM generate_series(1, 6) AS i;

        -- Two of them are webhook deliveries that hung: far past the kind's maximum run time (its workers declare 2m).
        INSERT INTO jobs (kind, state, payload, attempts, run_at, created_at, leased_by, leased_at, heartbeat_at, lease_token)
        SELECT 'webhook.deliver', 'processing', jsonb_build_object('n', i), 1,
               now() - interval '30 minutes', now() - interval '30 minutes', 'demo-host-2:4117',
               now() - interval '26 minutes' - make_interval(secs => i), now() - interval '26 minutes', gen_random_uuid()
        FROM generate_series(1, 2) AS i;

        INSERT INTO workers (id, host, pid, state, kinds, concurrency, current_jobs, started_at, heartbeat_at)
        VALUES ('demo-host-2:4117', 'demo-host-2', 4117, 'running', @Kinds::text[], 4, 8,
                now() - interval '3 hours', now() - interval '25 minutes')
        ON CONFLICT (id) DO NOTHING;
        """;

    /// <summary>Loads the data unless the jobs table already has rows. Returns true when it loaded.</summary>
    public async Task<bool> SeedAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(IsSeededSql, cancellationToken: ct)))
        {
            return false;
        }

        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(SeedSql, new { Kinds = Kinds.ToArray() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("ANALYZE jobs", cancellationToken: ct));
        return true;
    }
}
