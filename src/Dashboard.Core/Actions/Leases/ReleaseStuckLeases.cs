using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// Releases every stuck lease of a kind, of one worker, or of a kind held by one worker (at least one is required).
/// A lease is stuck when its job has had no heartbeat (or claim) within its kind's lease timeout; with
/// <paramref name="WorkerId"/>, all of that worker's leases count as stuck once the worker is gone (stopped, or no
/// heartbeat within <c>WorkerStaleAfter</c>, or no row at all).
/// </summary>
public sealed record ReleaseStuckLeases(string? Kind = null, string? WorkerId = null) : OperatorAction
{
    public override string Name => "release_stuck_leases";

    public override string Permission => Permissions.ReleaseLease;

    internal override string? TargetKind => Kind;

    internal override string? TargetWorker => WorkerId;

    internal override void Validate()
    {
        if (Kind is null && WorkerId is null)
        {
            throw new ArgumentException("Name a kind, a worker, or both.", nameof(Kind));
        }

        if (Kind is not null)
        {
            RequireName(Kind, nameof(Kind));
        }

        if (WorkerId is not null)
        {
            RequireName(WorkerId, nameof(WorkerId));
        }
    }

    // Stuck: no heartbeat (or claim) within the kind's lease timeout, as the overview shows it. With a worker named,
    // all of its leases once the worker is gone: stopped, silent for WorkerStaleAfter, or never registered.
    private const string StuckLeasesSql = """
        SELECT j.id AS Id, j.kind AS Kind, j.state AS State, j.leased_by AS LeasedBy, j.leased_at AS LeasedAt,
               j.heartbeat_at AS HeartbeatAt, j.lease_token AS LeaseToken
        FROM jobs j
        LEFT JOIN job_kinds k ON k.kind = j.kind
        WHERE j.state = 'processing'
          AND (@Kind::text IS NULL OR j.kind = @Kind)
          AND (@WorkerId::text IS NULL OR j.leased_by = @WorkerId)
          AND (coalesce(coalesce(j.heartbeat_at, j.leased_at) < now() - coalesce(k.lease_timeout, @DefaultLeaseTimeout), true)
               OR (@WorkerId::text IS NOT NULL AND NOT EXISTS (
                     SELECT 1 FROM workers w
                     WHERE w.id = j.leased_by AND w.state <> 'stopped' AND w.heartbeat_at >= now() - @WorkerStaleAfter)))
        ORDER BY j.id
        """;

    // The rows are locked by the SELECT ... FOR UPDATE, which re-checks "stuck" on the newest row version, so a
    // heartbeat or completion that commits first keeps its lease.
    private const string LockStuckLeasesSql = StuckLeasesSql + "\nFOR UPDATE OF j";

    private const string ReleaseManySql = """
        UPDATE jobs
        SET state = 'queued', leased_by = NULL, leased_at = NULL, heartbeat_at = NULL,
            lease_token = gen_random_uuid(), updated_at = now()
        WHERE id = ANY(@Ids) AND state = 'processing'
        RETURNING
        """ + " " + LeaseRow.Columns;

    private const string WorkerSql = """
        SELECT id AS Id, state AS State, heartbeat_at AS HeartbeatAt,
               (state <> 'stopped' AND heartbeat_at >= now() - @WorkerStaleAfter) AS IsAlive
        FROM workers
        WHERE id = @WorkerId
        """;

    private SqlStatement Stuck(string sql, DashboardOptions options) =>
        SqlStatement.Of(sql, new { Kind, WorkerId, options.DefaultLeaseTimeout, options.WorkerStaleAfter });

    private static SqlStatement ReleaseMany(IEnumerable<LeaseRow> stuck) => SqlStatement.Of(ReleaseManySql, new { Ids = stuck.Select(s => s.Id).ToArray() });

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var stuck = await reader.ListAsync<LeaseRow>(Stuck(StuckLeasesSql, reader.Options));
        var lockStuck = Stuck(LockStuckLeasesSql, reader.Options);
        if (stuck.Count == 0)
        {
            var why = await NoneStuckAsync(worker => reader.SingleOrDefaultAsync<WorkerRow>(worker), reader.Options);
            return new ActionPreview(this, $"no change: {why}", 0, [lockStuck]);
        }

        var summary = $"releases {Leases(stuck.Count)} {Scope()} (jobs {Ids(stuck)}); they go back to queued with new lease tokens";
        return new ActionPreview(this, summary, stuck.Count, [lockStuck, ReleaseMany(stuck)]);
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var stuck = await c.ListAsync<LeaseRow>(Stuck(LockStuckLeasesSql, c.Options));
        if (stuck.Count == 0)
        {
            var why = await NoneStuckAsync(worker => c.SingleOrDefaultAsync<WorkerRow>(worker), c.Options);
            return new Change(ActionOutcome.NoChange, why, 0, new { Leases = stuck }, new { Leases = stuck });
        }

        var released = await c.ListAsync<LeaseRow>(ReleaseMany(stuck));
        var message = $"released {Leases(released.Count)} {Scope()} (jobs {Ids(released)})";
        return new Change(ActionOutcome.Applied, message, released.Count, new { Leases = stuck }, new { Jobs = released });
    }

    private async Task<string> NoneStuckAsync(Func<SqlStatement, Task<WorkerRow?>> read, DashboardOptions options)
    {
        if (WorkerId is null)
        {
            return $"no lease of kind `{Kind}` is stuck";
        }

        var worker = await read(SqlStatement.Of(WorkerSql, new { WorkerId, options.WorkerStaleAfter }));
        var of = Kind is null ? "" : $" of kind `{Kind}`";
        return worker is { IsAlive: true }
            ? $"worker {WorkerId} is alive (last heartbeat {ActionText.Time(worker.HeartbeatAt)}) and none of its leases{of} is stuck"
            : $"worker {WorkerId} holds no leases{of}";
    }

    private string Scope() => (Kind, WorkerId) switch
    {
        ({ } kind, null) => $"of kind `{kind}`",
        (null, { } worker) => $"held by worker {worker}",
        ({ } kind, { } worker) => $"of kind `{kind}` held by worker {worker}",
        _ => "",
    };

    private static string Leases(int n) => n == 1 ? "1 stuck lease" : $"{ActionText.Count(n)} stuck leases";

    private static string Ids(List<LeaseRow> rows) =>
        string.Join(", ", rows.Take(20).Select(r => r.Id)) + (rows.Count > 20 ? $" and {ActionText.Count(rows.Count - 20)} more" : "");

    private sealed class WorkerRow
    {
        public string Id { get; init; } = "";
        public string State { get; init; } = "";
        public DateTime HeartbeatAt { get; init; }
        public bool IsAlive { get; init; }
    }
}
