using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// An operator's intent, carried out only by <see cref="IOperatorActions.ExecuteAsync"/>. Each action names the
/// permission it needs and what it targets. The set is closed: only Core defines actions.
/// </summary>
public abstract record OperatorAction
{
    /// <summary>Longest kind or worker id an action accepts (longer ones cannot be indexed, so no job has them).</summary>
    public const int MaxNameLength = 1000;

    private protected OperatorAction()
    {
    }

    /// <summary>The action's name as recorded in <c>audit_log.action</c>, e.g. <c>pause_kind</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The named permission (see <see cref="Permissions"/>) the actor needs.</summary>
    public abstract string Permission { get; }

    internal virtual string? TargetKind => null;

    internal virtual long? TargetJobId => null;

    internal virtual string? TargetWorker => null;

    /// <summary>Throws <see cref="ArgumentException"/> when the action cannot be carried out as written.</summary>
    internal virtual void Validate()
    {
    }

    private protected static void RequireName(string? value, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("A value is required.", parameter);
        }

        if (value.Length > MaxNameLength)
        {
            throw new ArgumentException($"At most {MaxNameLength} characters are allowed.", parameter);
        }
    }
}

/// <summary>
/// Pauses a kind durably: <c>job_kinds.paused</c> is set (with who, when, why and an optional expiry) and the kind's
/// queued jobs become <c>paused</c>; jobs enqueued later are parked by the database. With <paramref name="ExpiresAt"/>
/// the pause is lifted by <see cref="IOperatorActions.ExpirePausesAsync"/> once that time has passed. The reason
/// given to <see cref="IOperatorActions.ExecuteAsync"/> becomes <c>job_kinds.pause_reason</c>.
/// </summary>
public sealed record PauseKind(string Kind, DateTimeOffset? ExpiresAt = null) : OperatorAction
{
    public override string Name => "pause_kind";

    public override string Permission => Permissions.PauseKind;

    internal override string? TargetKind => Kind;

    internal override void Validate() => RequireName(Kind, nameof(Kind));
}

/// <summary>Resumes a kind: <c>job_kinds.paused</c> becomes false and the kind's paused jobs are queued again. Sets a value; never toggles.</summary>
public sealed record ResumeKind(string Kind) : OperatorAction
{
    public override string Name => "resume_kind";

    public override string Permission => Permissions.ResumeKind;

    /// <summary>Resume only a pause whose expiry has passed (the expiry sweep; never lifts a newer pause).</summary>
    internal bool OnlyIfExpired { get; init; }

    internal override string? TargetKind => Kind;

    internal override void Validate() => RequireName(Kind, nameof(Kind));
}

/// <summary>
/// Releases one lease, compare-and-set on what the operator saw (job id, <c>leased_by</c>, <c>leased_at</c>: every
/// claim sets a new <c>leased_at</c>, so a new lease never matches): the job goes back to <c>queued</c> (or
/// <c>paused</c> when its kind is paused) with a new lease token, fencing the old holder out. If the lease moved on,
/// nothing changes and the result says what the job is now. The lease token itself never leaves the server.
/// </summary>
public sealed record ReleaseLease(long JobId, string? ExpectedLeasedBy, DateTimeOffset? ExpectedLeasedAt) : OperatorAction
{
    public override string Name => "release_lease";

    public override string Permission => Permissions.ReleaseLease;

    internal override long? TargetJobId => JobId;

    internal override string? TargetWorker => ExpectedLeasedBy;
}

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
}

/// <summary>
/// Drains every worker by pausing intake (<c>queue_control.accepting = false</c>): no worker claims a new job until
/// <see cref="ResumeAllWorkers"/> or <see cref="ResumeIntake"/>; jobs in flight run to completion.
/// </summary>
public sealed record DrainAllWorkers : OperatorAction
{
    public override string Name => "drain_all_workers";

    public override string Permission => Permissions.DrainWorkers;
}

/// <summary>Resumes intake (<c>accepting = true</c>) and clears every worker's drain flag. Sets values; never toggles.</summary>
public sealed record ResumeAllWorkers : OperatorAction
{
    public override string Name => "resume_all_workers";

    public override string Permission => Permissions.ResumeWorkers;
}

/// <summary>Asks one worker to drain (<c>workers.drain_requested = true</c>): it stops claiming and finishes what it holds.</summary>
public sealed record DrainWorker(string WorkerId) : OperatorAction
{
    public override string Name => "drain_worker";

    public override string Permission => Permissions.DrainWorkers;

    internal override string? TargetWorker => WorkerId;

    internal override void Validate() => RequireName(WorkerId, nameof(WorkerId));
}

/// <summary>Clears one worker's drain flag. Sets a value; never toggles.</summary>
public sealed record ResumeWorker(string WorkerId) : OperatorAction
{
    public override string Name => "resume_worker";

    public override string Permission => Permissions.ResumeWorkers;

    internal override string? TargetWorker => WorkerId;

    internal override void Validate() => RequireName(WorkerId, nameof(WorkerId));
}

/// <summary>
/// The deploy gate's pause: the same switch as <see cref="DrainAllWorkers"/> (<c>accepting = false</c>), under its own
/// permission so a deploy token needs no operator rights.
/// </summary>
public sealed record PauseIntake : OperatorAction
{
    public override string Name => "pause_intake";

    public override string Permission => Permissions.PauseIntake;
}

/// <summary>
/// The deploy gate's resume: <c>accepting = true</c> only. Unlike <see cref="ResumeAllWorkers"/> it leaves drain flags
/// that an operator set on single workers alone. Sets a value; never toggles, so it is safe as a recovery step.
/// </summary>
public sealed record ResumeIntake : OperatorAction
{
    public override string Name => "resume_intake";

    public override string Permission => Permissions.ResumeIntake;
}
