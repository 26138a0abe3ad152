using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Demo;

/// <summary>
/// A large incident for the embedded demo (<c>scripts/run.sh --scenario incident</c>), beside the demo data: a backlog
/// of queued jobs in one kind (<c>incident.backlog</c>, 1M by default), 300 more kinds, 1,500 stuck leases held by 60
/// dead workers (40 registered, 20 never registered) and 700 leases that are not stuck yet (their kinds have a
/// one-day lease timeout). Nothing in the demo fleet runs these kinds or reclaims leases, so the incident stays put.
/// </summary>
public sealed class IncidentData(Db db)
{
    /// <summary>The kind holding the backlog.</summary>
    public const string BacklogKind = "incident.backlog";

    public const int Kinds = 300;
    public const int StuckLeases = 1500;
    public const int FreshLeases = 700;
    public const int DeadWorkers = 60;

    private const string IsLoadedSql = "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = 'incident.backlog' LIMIT 1)";

    private const string LoadSql = """
        INSERT INTO job_kinds (kind, lease_timeout)
        SELECT format('incident.kind-%s', lpad(k::text, 3, '0')), CASE WHEN k > 250 THEN interval '1 day' END
        FROM generate_series(1, 300) AS k
        ON CONFLICT (kind) DO NOTHING;

        -- A little of everything in every kind, and one kind whose name is far too long for a table cell.
        INSERT INTO jobs (kind, state, run_at, finished_at)
        SELECT CASE WHEN i = 1 THEN 'incident.' || repeat('very-long-kind-name-', 15) || 'end'
                    ELSE format('incident.kind-%s', lpad((1 + i % 300)::text, 3, '0')) END,
               CASE WHEN i % 4 = 0 THEN 'done' WHEN i % 25 = 1 THEN 'failed' ELSE 'queued' END,
               now() - make_interval(secs => i % 5400),
               CASE WHEN i % 4 = 0 OR i % 25 = 1 THEN now() - make_interval(secs => i % 600) END
        FROM generate_series(1, 30000) AS i;

        -- The backlog, due over the last two hours.
        INSERT INTO jobs (kind, run_at, created_at)
        SELECT 'incident.backlog', now() - make_interval(secs => i % 7200), now() - make_interval(secs => i % 7200)
        FROM generate_series(1, @Backlog) AS i;

        -- Stuck: claimed two hours ago by workers that died then (the default five-minute lease timeout).
        INSERT INTO jobs (kind, state, attempts, run_at, leased_by, leased_at, heartbeat_at, lease_token)
        SELECT format('incident.kind-%s', lpad((1 + i % 250)::text, 3, '0')), 'processing', 1, now() - interval '3 hours',
               format('incident-w%s:%s', lpad((i % 60)::text, 2, '0'), 7000 + i % 60),
               now() - interval '2 hours' - make_interval(secs => i), now() - interval '2 hours', gen_random_uuid()
        FROM generate_series(1, 1500) AS i;

        -- Not stuck yet: their kinds allow a day.
        INSERT INTO jobs (kind, state, attempts, run_at, leased_by, leased_at, heartbeat_at, lease_token)
        SELECT format('incident.kind-%s', lpad((251 + i % 50)::text, 3, '0')), 'processing', 1, now() - interval '1 hour',
               format('incident-w%s:%s', lpad((i % 60)::text, 2, '0'), 7000 + i % 60),
               now() - interval '50 minutes' - make_interval(secs => i), now() - interval '40 minutes', gen_random_uuid()
        FROM generate_series(1, 700) AS i;

        INSERT INTO workers (id, host, pid, state, concurrency, current_jobs, started_at, heartbeat_at)
        SELECT format('incident-w%s:%s', lpad(w::text, 2, '0'), 7000 + w), format('incident-w%s', lpad(w::text, 2, '0')),
               7000 + w, 'running', 40, 37, now() - interval '1 day', now() - interval '2 hours'
        FROM generate_series(0, 39) AS w
        ON CONFLICT (id) DO NOTHING;
        """;

    /// <summary>Loads the incident unless it is already there. Returns true when it loaded.</summary>
    public async Task<bool> LoadAsync(int backlog = 1_000_000, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(backlog);
        await using var conn = await db.OpenAsync(ct);
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(IsLoadedSql, cancellationToken: ct)))
        {
            return false;
        }

        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await conn.ExecuteAsync(new CommandDefinition(LoadSql, new { Backlog = backlog }, tx, commandTimeout: 0, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }

        // Statistics for the estimates (autovacuum would get there too), and the visibility map for index-only counts.
        await conn.ExecuteAsync(new CommandDefinition("VACUUM ANALYZE jobs", commandTimeout: 0, cancellationToken: ct));
        return true;
    }
}
