using Dapper;
using Dashboard.Core.Actions;
using Npgsql;

namespace Dashboard.Core.Workers;

/// <summary>
/// Drain and resume: the intake flag (<c>queue_control.accepting</c>) and the per-worker drain flag. The SQL behind
/// <see cref="DrainAllWorkers"/>, <see cref="ResumeAllWorkers"/>, <see cref="PauseIntake"/>, <see cref="ResumeIntake"/>,
/// <see cref="DrainWorker"/> and <see cref="ResumeWorker"/>. Internal: the only way in is <see cref="OperatorActions"/>.
/// </summary>
internal static class WorkerCommands
{
    private const string PreviewIntakeSql = """
        SELECT coalesce((SELECT accepting FROM queue_control), true) AS Accepting,
               (SELECT count(*) FROM jobs WHERE state = 'processing') AS Running,
               (SELECT count(*) FROM workers WHERE drain_requested) AS Draining
        """;

    public static async Task<ActionPreview> PreviewIntakeAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, OperatorAction action, bool accepting, bool clearDrains, CancellationToken ct)
    {
        var now = await conn.QuerySingleAsync<IntakePreviewRow>(new CommandDefinition(PreviewIntakeSql, transaction: tx, cancellationToken: ct));
        var flag = now.Accepting == accepting ? 0 : 1;
        var drains = clearDrains ? now.Draining : 0;
        string summary;
        if (flag + drains == 0)
        {
            summary = $"no change: intake is already {(accepting ? "accepting" : "paused")}";
        }
        else if (!accepting)
        {
            summary = $"pauses intake: no worker claims a new job until resumed; {ActionText.Jobs(now.Running)} in flight run to completion";
        }
        else
        {
            summary = (flag == 1 ? "resumes intake" : "intake is already accepting")
                + (drains > 0 ? $"; clears the drain flag of {Workers(drains)}" : "");
        }

        var sql = $"UPDATE queue_control SET accepting = {(accepting ? "true" : "false")}, changed_by = :actor, changed_at = now(), reason = :reason;"
            + (clearDrains ? "\nUPDATE workers SET drain_requested = false WHERE drain_requested;" : "");
        return new ActionPreview(action, summary, flag + drains, sql);
    }

    private const string LockIntakeSql = """
        SELECT accepting AS Accepting, changed_by AS ChangedBy, changed_at AS ChangedAt, reason AS Reason
        FROM queue_control
        FOR UPDATE
        """;

    // Sets the value, never toggles. Inserts the single row if someone deleted it.
    private const string SetIntakeSql = """
        INSERT INTO queue_control AS q (id, accepting, changed_by, changed_at, reason)
        VALUES (true, @Accepting, @Actor, now(), @Reason)
        ON CONFLICT (id) DO UPDATE
        SET accepting = EXCLUDED.accepting, changed_by = EXCLUDED.changed_by, changed_at = now(), reason = EXCLUDED.reason
        WHERE q.accepting IS DISTINCT FROM EXCLUDED.accepting
        RETURNING accepting AS Accepting, changed_by AS ChangedBy, changed_at AS ChangedAt, reason AS Reason
        """;

    private const string RunningSql = "SELECT count(*) FROM jobs WHERE state = 'processing'";

    private const string ClearDrainsSql = """
        UPDATE workers SET drain_requested = false
        WHERE drain_requested
        RETURNING id
        """;

    /// <summary>Sets <c>accepting</c>; with <paramref name="clearDrains"/> also clears every worker's drain flag.</summary>
    public static async Task<Change> SetIntakeAsync(ActionContext c, bool accepting, bool clearDrains)
    {
        var before = await c.Connection.QuerySingleOrDefaultAsync<IntakeRow>(
            new CommandDefinition(LockIntakeSql, transaction: c.Transaction, cancellationToken: c.Ct));
        var changed = await c.Connection.QuerySingleOrDefaultAsync<IntakeRow>(new CommandDefinition(
            SetIntakeSql, new { Accepting = accepting, Actor = c.Actor.Name, c.Reason }, c.Transaction, cancellationToken: c.Ct));
        var cleared = clearDrains
            ? (await c.Connection.QueryAsync<string>(new CommandDefinition(ClearDrainsSql, transaction: c.Transaction, cancellationToken: c.Ct))).ToList()
            : [];
        var running = await c.Connection.ExecuteScalarAsync<long>(new CommandDefinition(RunningSql, transaction: c.Transaction, cancellationToken: c.Ct));
        var after = changed ?? before;
        var rows = (changed is null ? 0 : 1) + cleared.Count;

        string message;
        if (rows == 0)
        {
            message = $"intake is already {(accepting ? "accepting" : "paused")}"
                + (before?.ChangedBy is { } by ? $" (set by {by} at {ActionText.Time(before.ChangedAt)})" : "");
        }
        else if (!accepting)
        {
            message = $"paused intake: no worker claims a new job until resumed; {ActionText.Jobs(running)} in flight";
        }
        else
        {
            message = (changed is null ? "intake was already accepting" : "resumed intake")
                + (cleared.Count > 0 ? $"; cleared the drain flag of {Workers(cleared.Count)} ({string.Join(", ", cleared)})" : "");
        }

        return new Change(
            rows == 0 ? ActionOutcome.NoChange : ActionOutcome.Applied,
            message,
            rows,
            new { QueueControl = before, DrainingWorkers = cleared },
            new { QueueControl = after, RunningJobs = running });
    }

    private const string GetWorkerSql = """
        SELECT id AS Id, state AS State, drain_requested AS DrainRequested, current_jobs AS CurrentJobs, heartbeat_at AS HeartbeatAt
        FROM workers
        WHERE id = @WorkerId
        """;

    public static async Task<ActionPreview> PreviewDrainAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, OperatorAction action, string workerId, bool drain, CancellationToken ct)
    {
        var worker = await conn.QuerySingleOrDefaultAsync<WorkerRow>(new CommandDefinition(GetWorkerSql, new { WorkerId = workerId }, tx, cancellationToken: ct));
        var changes = worker is not null && worker.DrainRequested != drain;
        var summary = (worker, changes, drain) switch
        {
            (null, _, _) => $"no change: worker {workerId} is not registered",
            (_, false, _) => $"no change: worker {workerId} is {(drain ? "already draining" : "not draining")}",
            (_, true, true) => $"asks worker {workerId} to drain: it stops claiming and finishes its {ActionText.Jobs(worker.CurrentJobs)} in flight",
            (_, true, false) => $"lets worker {workerId} claim again",
        };
        var sql = $"UPDATE workers SET drain_requested = {(drain ? "true" : "false")} WHERE id = {ActionText.Literal(workerId)};";
        return new ActionPreview(action, summary, changes ? 1 : 0, sql);
    }

    private const string LockWorkerSql = GetWorkerSql + "\nFOR UPDATE";

    // Sets the value, never toggles.
    private const string SetDrainSql = """
        UPDATE workers SET drain_requested = @Drain
        WHERE id = @WorkerId AND drain_requested IS DISTINCT FROM @Drain
        RETURNING id AS Id, state AS State, drain_requested AS DrainRequested, current_jobs AS CurrentJobs, heartbeat_at AS HeartbeatAt
        """;

    public static async Task<Change> SetDrainAsync(ActionContext c, string workerId, bool drain)
    {
        var before = await c.Connection.QuerySingleOrDefaultAsync<WorkerRow>(
            new CommandDefinition(LockWorkerSql, new { WorkerId = workerId }, c.Transaction, cancellationToken: c.Ct));
        if (before is null)
        {
            return new Change(ActionOutcome.Refused, $"worker {workerId} is not registered", 0, null, null);
        }

        var after = await c.Connection.QuerySingleOrDefaultAsync<WorkerRow>(
            new CommandDefinition(SetDrainSql, new { WorkerId = workerId, Drain = drain }, c.Transaction, cancellationToken: c.Ct));
        if (after is null)
        {
            return new Change(ActionOutcome.NoChange, $"worker {workerId} is {(drain ? "already draining" : "not draining")}", 0, before, before);
        }

        var message = drain
            ? $"asked worker {workerId} to drain; {ActionText.Jobs(after.CurrentJobs)} in flight"
            : $"worker {workerId} may claim again";
        return new Change(ActionOutcome.Applied, message, 1, before, after);
    }

    private static string Workers(long n) => n == 1 ? "1 worker" : $"{ActionText.Count(n)} workers";

    private sealed class IntakePreviewRow
    {
        public bool Accepting { get; init; }
        public long Running { get; init; }
        public long Draining { get; init; }
    }

    internal sealed class IntakeRow
    {
        public bool Accepting { get; init; }
        public string? ChangedBy { get; init; }
        public DateTime ChangedAt { get; init; }
        public string? Reason { get; init; }
    }

    internal sealed class WorkerRow
    {
        public string Id { get; init; } = "";
        public string State { get; init; } = "";
        public bool DrainRequested { get; init; }
        public int CurrentJobs { get; init; }
        public DateTime HeartbeatAt { get; init; }
    }
}
