namespace Dashboard.Core.Claims;

/// <summary>
/// A job this worker holds: what the claim returned. <see cref="Lease"/> is what every fenced call must present.
/// </summary>
/// <param name="Id">The job's id.</param>
/// <param name="Kind">The job's kind.</param>
/// <param name="Payload">The payload as JSON text.</param>
/// <param name="Attempts">Attempts including this one (the claim counts it).</param>
/// <param name="MaxAttempts">After this many attempts a failure is final.</param>
/// <param name="Checkpoint">The last checkpoint stored by an earlier attempt, as JSON text; null when none.</param>
/// <param name="LeaseToken">The token this claim generated; fenced calls match on it.</param>
/// <param name="LeasedAt">When the claim took the job (database clock).</param>
/// <param name="RunAt">When the job was due.</param>
/// <param name="LeaseTimeout">The kind's lease timeout, or the default when the kind has no settings row.</param>
public sealed record ClaimedJob(
    long Id,
    string Kind,
    string Payload,
    int Attempts,
    int MaxAttempts,
    string? Checkpoint,
    Guid LeaseToken,
    DateTime LeasedAt,
    DateTime RunAt,
    TimeSpan LeaseTimeout)
{
    /// <summary>The (job id, lease token) pair that fenced calls present.</summary>
    public Lease Lease => new(Id, LeaseToken);
}

/// <summary>A claim on one job: its id and the token its claim generated.</summary>
public readonly record struct Lease(long JobId, Guid Token);

/// <summary>What a fenced call did.</summary>
public enum LeaseResult
{
    /// <summary>The lease was still this worker's and the change was made.</summary>
    Applied,

    /// <summary>
    /// Nothing changed: the job is no longer processing under this token (released by an operator, reclaimed after
    /// its lease expired, or already finished). The caller must treat its work as not recorded.
    /// </summary>
    LeaseMovedOn,
}

/// <summary>What a fenced failure did.</summary>
/// <param name="Result">Whether the lease was still held.</param>
/// <param name="State">
/// The job's state afterwards: <c>queued</c> (will be retried at <paramref name="RunAt"/>), <c>paused</c> (retry
/// parked because its kind is paused) or <c>failed</c> (attempts used up). Null when the lease moved on.
/// </param>
/// <param name="RunAt">When a retry is due; null when the lease moved on.</param>
public sealed record FailResult(LeaseResult Result, string? State, DateTime? RunAt)
{
    public static FailResult LeaseMovedOn { get; } = new(LeaseResult.LeaseMovedOn, null, null);
}

/// <summary>A job whose lease had expired and was taken back.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Kind">The job's kind.</param>
/// <param name="PreviousHolder">The <c>host:pid</c> that held the expired lease.</param>
/// <param name="State">The state afterwards: <c>queued</c>, <c>paused</c> (its kind is paused) or <c>failed</c> (attempts used up).</param>
public sealed record ReclaimedJob(long Id, string Kind, string? PreviousHolder, string State);

/// <summary>When retries are due: <c>BaseDelay × 2^(attempts − 1)</c>, capped at <c>MaxDelay</c>.</summary>
public sealed record RetryBackoff(TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static RetryBackoff Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));
}
