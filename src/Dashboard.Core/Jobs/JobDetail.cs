namespace Dashboard.Core.Jobs;

/// <summary>
/// Every column of one job, for the job page. <see cref="Payload"/> and <see cref="Checkpoint"/> are JSON text as
/// stored (not redacted: redaction is applied for display by <see cref="JsonRedactor"/>).
/// </summary>
public sealed record JobDetail(
    long Id,
    string Kind,
    string State,
    string Payload,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset RunAt,
    string? LeasedBy,
    DateTimeOffset? LeasedAt,
    Guid? LeaseToken,
    DateTimeOffset? HeartbeatAt,
    string? Checkpoint,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    TimeSpan LeaseTimeout,
    IReadOnlyList<JobError> ErrorHistory,
    DateTimeOffset ReadAt);

/// <summary>One failed attempt, as the worker contract's fail statement (or the reclaim of an expired lease) recorded it.</summary>
public sealed record JobError(DateTimeOffset At, int Attempt, string? Worker, string Error);
