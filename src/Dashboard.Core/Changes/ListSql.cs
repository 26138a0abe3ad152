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
    private const string LeaseOrder = "ORDER BY l.is_stuck DESC, l.leased_at NULLS FIRST, l.id";

    private const string LeaseColumns = """
        l.id AS Id, l.kind AS Kind, l.leased_by AS LeasedBy, l.leased_at AS LeasedAt, l.heartbeat_at AS HeartbeatAt,
               l.attempts AS Attempts, l.lease_timeout AS LeaseTimeout, l.is_stuck AS IsStuck
        """;

    public const string LeasePage = $"""
        SELECT {LeaseColumns}
        FROM job_leases l
        {LeaseFilter}
        {LeaseOrder}
        LIMIT @Limit OFFSET @Offset;

        """;

    // A lease holder's figures over its leases l.
    private const string HolderSums = "count(*) AS in_flight, count(*) FILTER (WHERE l.is_stuck) AS stuck, min(l.running_since) AS oldest";

    // Registered workers (not stopped, or stopped within the hour) and every lease holder, registered or not, with
    // the figures of their leases from a holders CTE (id, in_flight, stuck, oldest). @Kind narrows to the holders of
    // that kind's leases.
    private const string WorkerRows = $"""
        listed AS (
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

    private const string WorkerColumns = """
        id AS Id, state AS State, drain_requested AS DrainRequested, concurrency AS Concurrency,
               started_at AS StartedAt, heartbeat_at AS HeartbeatAt, is_alive AS IsAlive, registered AS Registered,
               in_flight AS InFlight, stuck AS Stuck, oldest AS OldestRunningSince
        """;

    // The biggest holders first.
    private const string WorkerOrder = "ORDER BY in_flight DESC, id";

    private const string Workers = $"""
        WITH holders AS (
            SELECT l.leased_by AS id, {HolderSums}
            FROM job_leases l
            WHERE l.leased_by IS NOT NULL AND (@Kind::text IS NULL OR l.kind = @Kind)
            GROUP BY l.leased_by
        ), {WorkerRows}
        """;

    public const string WorkerCount = Workers + "SELECT count(*) FROM filtered;\n";

    public const string WorkerPage = $"""
        {Workers}
        SELECT {WorkerColumns}
        FROM filtered
        {WorkerOrder}
        LIMIT @Limit OFFSET @Offset;

        """;

    // The snapshot's part of the leases, reading the processing rows once per tick (not once per figure): one row
    // set of three parts in Part, Ord order. Part 0: the figures of each kind and (Overall = 1) of all kinds; part 1:
    // the first page of leases; part 2: the first page of workers with the number of workers. Each part fills its
    // own columns (see SnapshotRows.LeaseSet) and leaves the others NULL. Unfiltered: @Kind and @Search are NULL,
    // @StuckOnly is false.
    public const string SnapshotLeases = $"""
        WITH l AS MATERIALIZED (
            SELECT id, kind, leased_by, leased_at, heartbeat_at, attempts, lease_timeout, is_stuck, running_since
            FROM job_leases
        ), sums AS MATERIALIZED (
            SELECT GROUPING(l.kind) AS all_kinds, GROUPING(l.leased_by) AS all_holders, l.kind, l.leased_by, {HolderSums}
            FROM l
            GROUP BY GROUPING SETS ((l.kind), (l.leased_by), ())
        ), holders AS (
            SELECT s.leased_by AS id, s.in_flight, s.stuck, s.oldest FROM sums s
            WHERE s.all_holders = 0 AND s.leased_by IS NOT NULL
        ), {WorkerRows}
        SELECT 0 AS Part, 0::bigint AS Ord,
               s.all_kinds AS Overall, s.kind AS Kind, s.in_flight AS Processing, s.stuck AS Stuck, s.oldest AS OldestRunningSince,
               NULL::bigint AS Id, NULL::text AS Kind, NULL::text AS LeasedBy, NULL::timestamptz AS LeasedAt,
               NULL::timestamptz AS HeartbeatAt, NULL::int AS Attempts, NULL::interval AS LeaseTimeout, NULL::boolean AS IsStuck,
               NULL::text AS Id, NULL::text AS State, NULL::boolean AS DrainRequested, NULL::int AS Concurrency,
               NULL::timestamptz AS StartedAt, NULL::timestamptz AS HeartbeatAt, NULL::boolean AS IsAlive,
               NULL::boolean AS Registered, NULL::bigint AS InFlight, NULL::bigint AS Stuck,
               NULL::timestamptz AS OldestRunningSince, NULL::bigint AS Total
        FROM sums s
        WHERE s.all_holders = 1
        UNION ALL
        (SELECT 1, row_number() OVER ({LeaseOrder}), NULL, NULL, NULL, NULL, NULL,
                {LeaseColumns},
                NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
         FROM l
         {LeaseOrder}
         LIMIT @Limit)
        UNION ALL
        (SELECT 2, row_number() OVER ({WorkerOrder}), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                {WorkerColumns}, count(*) OVER () AS Total
         FROM filtered
         {WorkerOrder}
         LIMIT @Limit)
        ORDER BY Part, Ord;

        """;
}
