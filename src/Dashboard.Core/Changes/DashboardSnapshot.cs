namespace Dashboard.Core.Changes;

/// <summary>Everything the overview shows, read in one consistent transaction. Ages are relative to <see cref="TakenAt"/> (the database clock).</summary>
public sealed record DashboardSnapshot(
    DateTimeOffset TakenAt,
    IReadOnlyList<StateCount> States,
    IReadOnlyList<KindStatus> Kinds,
    IReadOnlyList<ProcessingJob> Processing,
    IReadOnlyList<WorkerStatus> Workers,
    IntakeStatus Intake)
{
    /// <summary>The count of one state across all kinds (zero when absent).</summary>
    public StateCount CountOf(string state) =>
        States.FirstOrDefault(s => s.State == state) ?? new StateCount(state, 0, false);

    public int StuckCount => Processing.Count(p => p.IsStuck);
}

/// <summary>A number of jobs in one state. <see cref="IsEstimate"/> marks counts above the exact-count cap.</summary>
public sealed record StateCount(string State, long Count, bool IsEstimate);

public sealed record KindStatus(
    string Kind,
    IReadOnlyList<StateCount> Counts,
    DateTimeOffset? OldestQueuedAt,
    TimeSpan LeaseTimeout,
    bool Paused,
    string? PausedBy,
    DateTimeOffset? PausedAt,
    string? PauseReason,
    DateTimeOffset? PauseExpiresAt)
{
    public StateCount CountOf(string state) =>
        Counts.FirstOrDefault(s => s.State == state) ?? new StateCount(state, 0, false);
}

/// <summary>A job under lease. <see cref="IsStuck"/>: no heartbeat (or claim) within its kind's lease timeout.</summary>
public sealed record ProcessingJob(
    long Id,
    string Kind,
    string? LeasedBy,
    DateTimeOffset? LeasedAt,
    DateTimeOffset? HeartbeatAt,
    int Attempts,
    Guid? LeaseToken,
    TimeSpan LeaseTimeout,
    bool IsStuck);

public sealed record WorkerStatus(
    string Id,
    string State,
    bool DrainRequested,
    int CurrentJobs,
    int Concurrency,
    DateTimeOffset StartedAt,
    DateTimeOffset HeartbeatAt,
    bool IsAlive);

/// <summary>Whether workers may claim at all (the deploy gate's switch).</summary>
public sealed record IntakeStatus(bool Accepting, string? ChangedBy, DateTimeOffset ChangedAt, string? Reason);
