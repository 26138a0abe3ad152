using Dashboard.Core.Rules;

namespace Dashboard.Core.Changes;

/// <summary>
/// The processing list and the worker list, filtered and paged on the server. The snapshot carries their first
/// unfiltered page; <see cref="ListQueries"/> reads the others when a viewer asks.
/// </summary>
internal static class ListSql
{
    private const string LeaseFilter = """
        WHERE (@Kind::text IS NULL OR l.kind = @Kind)
          AND (@Worker::text IS NULL OR l.leased_by = @Worker)
          AND (NOT @StuckOnly OR l.is_stuck)
        """;

    public const string LeaseCount = "SELECT count(*) FROM job_leases l\n" + LeaseFilter + ";\n";

    // Stuck first, then the longest held. The list is the processing set (thousands at most), so OFFSET stays cheap.
    public const string LeasePage = """
        SELECT l.id AS Id, l.kind AS Kind, l.leased_by AS LeasedBy, l.leased_at AS LeasedAt, l.heartbeat_at AS HeartbeatAt,
               l.attempts AS Attempts, l.lease_timeout AS LeaseTimeout, l.is_stuck AS IsStuck
        FROM job_leases l
        """ + "\n" + LeaseFilter + """

        ORDER BY l.is_stuck DESC, l.leased_at NULLS FIRST, l.id
        LIMIT @Limit OFFSET @Offset;

        """;

    // Registered workers (not stopped, or stopped within the hour) and every lease holder, registered or not, with
    // their leases counted from jobs, the biggest holders first. @Kind narrows to holders of that kind's leases.
    private const string Workers = $"""
        WITH holders AS (
            SELECT l.leased_by AS id, count(*) AS in_flight, count(*) FILTER (WHERE l.is_stuck) AS stuck,
                   min(l.running_since) AS oldest
            FROM job_leases l
            WHERE l.leased_by IS NOT NULL AND (@Kind::text IS NULL OR l.kind = @Kind)
            GROUP BY l.leased_by
        ), listed AS (
            SELECT coalesce(w.id, h.id) AS id, w.state, coalesce(w.drain_requested, false) AS drain_requested,
                   coalesce(w.concurrency, 0) AS concurrency, w.started_at, w.heartbeat_at,
                   {LeaseRules.WorkerIsAlive} AS is_alive, w.id IS NOT NULL AS registered,
                   coalesce(h.in_flight, 0) AS in_flight, coalesce(h.stuck, 0) AS stuck, h.oldest
            FROM workers w
            FULL JOIN holders h ON h.id = w.id
            WHERE h.id IS NOT NULL
               OR (@Kind::text IS NULL AND (w.state <> 'stopped' OR w.stopped_at >= now() - interval '1 hour'))
        ), filtered AS (
            SELECT * FROM listed
            WHERE (@Search::text IS NULL OR strpos(lower(id), lower(@Search)) > 0)
              AND (NOT @StuckOnly OR stuck > 0)
        )
        """;

    public const string WorkerCount = Workers + "SELECT count(*) FROM filtered;\n";

    // The snapshot's first page with the total in the same pass (an empty first page means none at all).
    public const string WorkerFirstPage = Workers + """
        SELECT id AS Id, state AS State, drain_requested AS DrainRequested, concurrency AS Concurrency,
               started_at AS StartedAt, heartbeat_at AS HeartbeatAt, is_alive AS IsAlive, registered AS Registered,
               in_flight AS InFlight, stuck AS Stuck, oldest AS OldestRunningSince, count(*) OVER () AS Total
        FROM filtered
        ORDER BY in_flight DESC, id
        LIMIT @Limit;

        """;

    public const string WorkerPage = Workers + """
        SELECT id AS Id, state AS State, drain_requested AS DrainRequested, concurrency AS Concurrency,
               started_at AS StartedAt, heartbeat_at AS HeartbeatAt, is_alive AS IsAlive, registered AS Registered,
               in_flight AS InFlight, stuck AS Stuck, oldest AS OldestRunningSince
        FROM filtered
        ORDER BY in_flight DESC, id
        LIMIT @Limit OFFSET @Offset;

        """;
}
