using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>The actions on one worker's drain flag (<c>workers.drain_requested</c>): one shared preview and change.</summary>
public abstract record WorkerDrainAction(string WorkerId) : OperatorAction
{
    /// <summary>The value the action sets.</summary>
    private protected abstract bool Drain { get; }

    internal override string? TargetWorker => WorkerId;

    internal override void Validate() => RequireName(WorkerId, nameof(WorkerId));

    private const string GetWorkerSql = """
        SELECT id AS Id, state AS State, drain_requested AS DrainRequested, current_jobs AS CurrentJobs, heartbeat_at AS HeartbeatAt
        FROM workers
        WHERE id = @WorkerId
        """;

    private const string LockWorkerSql = GetWorkerSql + "\nFOR UPDATE";

    // Sets the value, never toggles.
    private const string SetDrainSql = """
        UPDATE workers SET drain_requested = @Drain
        WHERE id = @WorkerId AND drain_requested IS DISTINCT FROM @Drain
        RETURNING id AS Id, state AS State, drain_requested AS DrainRequested, current_jobs AS CurrentJobs, heartbeat_at AS HeartbeatAt
        """;

    private SqlStatement LockWorker() => SqlStatement.Of(LockWorkerSql, new { WorkerId });

    private SqlStatement SetDrain() => SqlStatement.Of(SetDrainSql, new { WorkerId, Drain });

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var worker = await reader.SingleOrDefaultAsync<WorkerRow>(SqlStatement.Of(GetWorkerSql, new { WorkerId }));
        var changes = worker is not null && worker.DrainRequested != Drain;
        var summary = (worker, changes, Drain) switch
        {
            (null, _, _) => $"no change: worker {WorkerId} is not registered",
            (_, false, _) => $"no change: worker {WorkerId} is {(Drain ? "already draining" : "not draining")}",
            (_, true, true) => $"asks worker {WorkerId} to drain: it stops claiming and finishes its {ActionText.Jobs(worker.CurrentJobs)} in flight",
            (_, true, false) => $"lets worker {WorkerId} claim again",
        };
        return new ActionPreview(this, summary, changes ? 1 : 0, worker is null ? [LockWorker()] : [LockWorker(), SetDrain()])
        {
            Outcome = worker is null ? ActionOutcome.Refused : changes ? ActionOutcome.Applied : ActionOutcome.NoChange,
        };
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var before = await c.SingleOrDefaultAsync<WorkerRow>(LockWorker());
        if (before is null)
        {
            return new Change(ActionOutcome.Refused, $"worker {WorkerId} is not registered", 0, null, null);
        }

        var after = await c.SingleOrDefaultAsync<WorkerRow>(SetDrain());
        if (after is null)
        {
            return new Change(ActionOutcome.NoChange, $"worker {WorkerId} is {(Drain ? "already draining" : "not draining")}", 0, before, before);
        }

        var message = Drain
            ? $"asked worker {WorkerId} to drain; {ActionText.Jobs(after.CurrentJobs)} in flight"
            : $"worker {WorkerId} may claim again";
        return new Change(ActionOutcome.Applied, message, 1, before, after);
    }

    private sealed class WorkerRow
    {
        public string Id { get; init; } = "";
        public string State { get; init; } = "";
        public bool DrainRequested { get; init; }
        public int CurrentJobs { get; init; }
        public DateTime HeartbeatAt { get; init; }
    }
}

/// <summary>Asks one worker to drain (<c>workers.drain_requested = true</c>): it stops claiming and finishes what it holds.</summary>
public sealed record DrainWorker(string WorkerId) : WorkerDrainAction(WorkerId)
{
    public override string Name => "drain_worker";

    public override string Permission => Permissions.DrainWorkers;

    private protected override bool Drain => true;
}

/// <summary>Clears one worker's drain flag. Sets a value; never toggles.</summary>
public sealed record ResumeWorker(string WorkerId) : WorkerDrainAction(WorkerId)
{
    public override string Name => "resume_worker";

    public override string Permission => Permissions.ResumeWorkers;

    private protected override bool Drain => false;
}
