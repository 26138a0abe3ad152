using Dapper;
using Dashboard.Core.Actions;
using Dashboard.Core.Rules;
using Npgsql;

namespace Dashboard.Core.Leases;

/// <summary>
/// Force-release of leases: the SQL behind <see cref="ReleaseLease"/> and <see cref="ReleaseStuckLeases"/>. Internal:
/// the only way in is <see cref="OperatorActions"/>. A released job gets a new lease token, so the old holder's late
/// heartbeat or completion is refused by the worker contract's fencing.
/// </summary>
internal static class LeaseCommands
{
    private const string GetJobSql = """
        SELECT id AS Id, kind AS Kind, state AS State, leased_by AS LeasedBy, leased_at AS LeasedAt,
               heartbeat_at AS HeartbeatAt, lease_token AS LeaseToken
        FROM jobs
        WHERE id = @JobId
        """;

    public static async Task<ActionPreview> PreviewReleaseAsync(NpgsqlConnection conn, NpgsqlTransaction tx, ReleaseLease action, CancellationToken ct)
    {
        var job = await conn.QuerySingleOrDefaultAsync<LeaseRow>(new CommandDefinition(GetJobSql, new { action.JobId }, tx, cancellationToken: ct));
        var matches = Matches(job, action);
        var summary = matches
            ? $"releases job {action.JobId} (kind `{job!.Kind}`), held by {job.LeasedBy ?? "nobody"} since {ActionText.Time(job.LeasedAt)}; "
                + "it goes back to queued (paused if its kind is paused) with a new lease token"
            : $"no change: {MovedOn(job, action)}";
        return new ActionPreview(action, summary, matches ? 1 : 0, ReleaseSqlText(action));
    }

    private static string ReleaseSqlText(ReleaseLease action) => $"""
        UPDATE jobs SET state = 'queued', leased_by = NULL, leased_at = NULL, heartbeat_at = NULL, lease_token = gen_random_uuid()
        WHERE id = {action.JobId} AND state = 'processing'
          AND leased_by IS NOT DISTINCT FROM {ActionText.Literal(action.ExpectedLeasedBy)}
          AND leased_at IS NOT DISTINCT FROM {ActionText.Literal(action.ExpectedLeasedAt)};
        """;

    // Locks the job so that "what it is now" in a refusal is what the compare-and-set saw.
    private const string LockJobSql = GetJobSql + "\nFOR UPDATE";

    // Compare-and-set on what the operator saw (a new claim always sets a new leased_at). The new token fences the
    // old holder out; the park trigger turns
    // 'queued' into 'paused' when the job's kind is paused.
    private const string ReleaseSql = """
        UPDATE jobs
        SET state = 'queued', leased_by = NULL, leased_at = NULL, heartbeat_at = NULL,
            lease_token = gen_random_uuid(), updated_at = now()
        WHERE id = @JobId AND state = 'processing'
          AND leased_by IS NOT DISTINCT FROM @ExpectedLeasedBy
          AND leased_at IS NOT DISTINCT FROM @ExpectedLeasedAt::timestamptz
        RETURNING id AS Id, kind AS Kind, state AS State, leased_by AS LeasedBy, leased_at AS LeasedAt,
                  heartbeat_at AS HeartbeatAt, lease_token AS LeaseToken
        """;

    public static async Task<Change> ReleaseAsync(ActionContext c, ReleaseLease action)
    {
        var before = await c.Connection.QuerySingleOrDefaultAsync<LeaseRow>(
            new CommandDefinition(LockJobSql, new { action.JobId }, c.Transaction, cancellationToken: c.Ct));
        var after = await c.Connection.QuerySingleOrDefaultAsync<LeaseRow>(new CommandDefinition(
            ReleaseSql,
            new { action.JobId, action.ExpectedLeasedBy, ExpectedLeasedAt = action.ExpectedLeasedAt?.UtcDateTime },
            c.Transaction,
            cancellationToken: c.Ct));
        if (after is null)
        {
            return new Change(ActionOutcome.Refused, MovedOn(before, action), 0, Expected(action), before, before?.Kind);
        }

        var message = $"released job {action.JobId} (kind `{after.Kind}`), held by {before!.LeasedBy ?? "nobody"} since {ActionText.Time(before.LeasedAt)}; "
            + (after.State == "paused" ? "it is paused because its kind is paused" : $"it is {after.State} with a new lease token");
        return new Change(ActionOutcome.Applied, message, 1, before, after, after.Kind);
    }

    private static object Expected(ReleaseLease action) => new
    {
        Id = action.JobId,
        State = "processing",
        LeasedBy = action.ExpectedLeasedBy,
        LeasedAt = action.ExpectedLeasedAt,
    };

    private static bool Matches(LeaseRow? job, ReleaseLease action) =>
        job is { State: "processing" } && job.LeasedBy == action.ExpectedLeasedBy && SameInstant(job.LeasedAt, action.ExpectedLeasedAt);

    private static bool SameInstant(DateTime? row, DateTimeOffset? seen) =>
        row is null ? seen is null : seen is not null && DateTime.SpecifyKind(row.Value, DateTimeKind.Utc) == seen.Value.UtcDateTime;

    /// <summary>Why a release would not apply, in the operator's terms.</summary>
    private static string MovedOn(LeaseRow? job, ReleaseLease action)
    {
        var id = action.JobId;
        if (job is null)
        {
            return $"job {id} no longer exists";
        }

        if (job.State != "processing")
        {
            return job.State == "queued" || job.State == "paused"
                ? $"job {id} is already released (it is {job.State} now)"
                : $"job {id} is already {job.State}";
        }

        if (job.LeasedBy != action.ExpectedLeasedBy)
        {
            return $"job {id} is now held by {job.LeasedBy ?? "nobody"} (since {ActionText.Time(job.LeasedAt)})";
        }

        return $"job {id} was claimed again by {job.LeasedBy ?? "nobody"} at {ActionText.Time(job.LeasedAt)} (new lease)";
    }

    // Stuck (LeaseRules.IsStuck), as the overview shows it. With a worker named, all of its leases once the worker is
    // gone (LeaseRules.WorkerIsAlive is false: stopped, silent for WorkerStaleAfter, or never registered).
    private const string StuckLeasesSql = $"""
        SELECT j.id AS Id, j.kind AS Kind, j.state AS State, j.leased_by AS LeasedBy, j.leased_at AS LeasedAt,
               j.heartbeat_at AS HeartbeatAt, j.lease_token AS LeaseToken
        FROM jobs j
        LEFT JOIN job_kinds k ON k.kind = j.kind
        WHERE j.state = 'processing'
          AND (@Kind::text IS NULL OR j.kind = @Kind)
          AND (@WorkerId::text IS NULL OR j.leased_by = @WorkerId)
          AND ({LeaseRules.IsStuck}
               OR (@WorkerId::text IS NOT NULL AND NOT EXISTS (
                     SELECT 1 FROM workers w WHERE w.id = j.leased_by AND {LeaseRules.WorkerIsAlive})))
        ORDER BY j.id
        """;

    private const string WorkerSql = $"""
        SELECT w.id AS Id, w.state AS State, w.heartbeat_at AS HeartbeatAt, {LeaseRules.WorkerIsAlive} AS IsAlive
        FROM workers w
        WHERE w.id = @WorkerId
        """;

    public static async Task<ActionPreview> PreviewReleaseStuckAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, ReleaseStuckLeases action, DashboardOptions options, CancellationToken ct)
    {
        var stuck = (await conn.QueryAsync<LeaseRow>(new CommandDefinition(StuckLeasesSql, StuckParameters(action, options), tx, cancellationToken: ct))).ToList();
        var summary = stuck.Count == 0
            ? $"no change: {await NoneStuckAsync(conn, tx, action, options, ct)}"
            : $"releases {Leases(stuck.Count)} {Scope(action)} (jobs {Ids(stuck)}); they go back to queued with new lease tokens";
        var sql = $"""
            UPDATE jobs SET state = 'queued', leased_by = NULL, leased_at = NULL, heartbeat_at = NULL, lease_token = gen_random_uuid()
            WHERE state = 'processing' AND id IN ({(stuck.Count == 0 ? "NULL" : string.Join(", ", stuck.Select(s => s.Id)))});
            """;
        return new ActionPreview(action, summary, stuck.Count, sql);
    }

    // The rows are locked by the SELECT ... FOR UPDATE, which re-checks "stuck" on the newest row version, so a
    // heartbeat or completion that commits first keeps its lease.
    private const string LockStuckLeasesSql = StuckLeasesSql + "\nFOR UPDATE OF j";

    private const string ReleaseManySql = """
        UPDATE jobs
        SET state = 'queued', leased_by = NULL, leased_at = NULL, heartbeat_at = NULL,
            lease_token = gen_random_uuid(), updated_at = now()
        WHERE id = ANY(@Ids) AND state = 'processing'
        RETURNING id AS Id, kind AS Kind, state AS State, leased_by AS LeasedBy, leased_at AS LeasedAt,
                  heartbeat_at AS HeartbeatAt, lease_token AS LeaseToken
        """;

    public static async Task<Change> ReleaseStuckAsync(ActionContext c, ReleaseStuckLeases action)
    {
        var stuck = (await c.Connection.QueryAsync<LeaseRow>(new CommandDefinition(
            LockStuckLeasesSql, StuckParameters(action, c.Options), c.Transaction, cancellationToken: c.Ct))).ToList();
        if (stuck.Count == 0)
        {
            var why = await NoneStuckAsync(c.Connection, c.Transaction, action, c.Options, c.Ct);
            return new Change(ActionOutcome.NoChange, why, 0, new { Leases = stuck }, new { Leases = stuck });
        }

        var released = (await c.Connection.QueryAsync<LeaseRow>(new CommandDefinition(
            ReleaseManySql, new { Ids = stuck.Select(s => s.Id).ToArray() }, c.Transaction, cancellationToken: c.Ct))).ToList();
        var message = $"released {Leases(released.Count)} {Scope(action)} (jobs {Ids(released)})";
        return new Change(ActionOutcome.Applied, message, released.Count, new { Leases = stuck }, new { Jobs = released });
    }

    private static object StuckParameters(ReleaseStuckLeases action, DashboardOptions options) => new
    {
        action.Kind,
        action.WorkerId,
        options.WorkerStaleAfter,
    };

    private static async Task<string> NoneStuckAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, ReleaseStuckLeases action, DashboardOptions options, CancellationToken ct)
    {
        if (action.WorkerId is null)
        {
            return $"no lease of kind `{action.Kind}` is stuck";
        }

        var worker = await conn.QuerySingleOrDefaultAsync<WorkerRow>(new CommandDefinition(
            WorkerSql, new { action.WorkerId, options.WorkerStaleAfter }, tx, cancellationToken: ct));
        var of = action.Kind is null ? "" : $" of kind `{action.Kind}`";
        return worker is { IsAlive: true }
            ? $"worker {action.WorkerId} is alive (last heartbeat {ActionText.Time(worker.HeartbeatAt)}) and none of its leases{of} is stuck"
            : $"worker {action.WorkerId} holds no leases{of}";
    }

    private static string Scope(ReleaseStuckLeases action) => (action.Kind, action.WorkerId) switch
    {
        ({ } kind, null) => $"of kind `{kind}`",
        (null, { } worker) => $"held by worker {worker}",
        ({ } kind, { } worker) => $"of kind `{kind}` held by worker {worker}",
        _ => "",
    };

    private static string Leases(int n) => n == 1 ? "1 stuck lease" : $"{ActionText.Count(n)} stuck leases";

    private static string Ids(List<LeaseRow> rows) =>
        string.Join(", ", rows.Take(20).Select(r => r.Id)) + (rows.Count > 20 ? $" and {ActionText.Count(rows.Count - 20)} more" : "");

    /// <summary>A job's lease columns, as read and as written to the audit log's before/after.</summary>
    internal sealed class LeaseRow
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string State { get; init; } = "";
        public string? LeasedBy { get; init; }
        public DateTime? LeasedAt { get; init; }
        public DateTime? HeartbeatAt { get; init; }
        public Guid? LeaseToken { get; init; }
    }

    private sealed class WorkerRow
    {
        public string Id { get; init; } = "";
        public string State { get; init; } = "";
        public DateTime HeartbeatAt { get; init; }
        public bool IsAlive { get; init; }
    }
}
