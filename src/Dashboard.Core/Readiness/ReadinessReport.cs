namespace Dashboard.Core.Readiness;

/// <summary>Where a running job's expected remaining time comes from.</summary>
public enum RemainingBasis
{
    /// <summary>The job's own progress rate in this attempt.</summary>
    Progress,

    /// <summary>Its kind's recent run times (p95 of the latest finished jobs, minus the time it has run).</summary>
    RecentRuns,

    /// <summary>Neither: no progress, and no finished job of the kind to learn from (or it outran all of them).</summary>
    Unknown,
}

/// <summary>What a kind declares about shutdowns (the <c>job_kinds</c> columns; null = not declared).</summary>
public sealed record KindFacts(string Kind, bool? Idempotent, bool? Checkpoints, TimeSpan? MaxRunTime)
{
    /// <summary>Who declared them (a worker's <c>host:pid</c>) and when; null when never declared.</summary>
    public string? DeclaredBy { get; init; }

    public DateTimeOffset? DeclaredAt { get; init; }
}

/// <summary>One running job, what a restart with the report's grace period does to it, and why.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Kind">The job's kind.</param>
/// <param name="LeasedBy">The worker holding it.</param>
/// <param name="LeasedAt">When this attempt was claimed.</param>
/// <param name="Elapsed">How long this attempt has run (database clock).</param>
/// <param name="Progress">The last reported progress (0..1); null when the job reports none.</param>
/// <param name="Remaining">Expected remaining time; null when unknown.</param>
/// <param name="RecentRunP50">Median run time of the kind's latest finished jobs; null without any.</param>
/// <param name="RecentRunP95">95th percentile of the same.</param>
/// <param name="RecentRuns">How many finished jobs those figures come from.</param>
/// <param name="Basis">Where <paramref name="Remaining"/> comes from.</param>
/// <param name="Idempotent">The kind's declaration; null when not declared.</param>
/// <param name="Checkpoints">The kind's declaration; null when not declared.</param>
/// <param name="MaxRunTime">The kind's maximum run time; null when it has none.</param>
/// <param name="Verdict">What a restart with the grace period does to it.</param>
public sealed record RunningJobReadiness(
    long Id,
    string Kind,
    string? LeasedBy,
    DateTimeOffset? LeasedAt,
    TimeSpan? Elapsed,
    double? Progress,
    TimeSpan? Remaining,
    RemainingBasis Basis,
    TimeSpan? RecentRunP50,
    TimeSpan? RecentRunP95,
    int RecentRuns,
    bool? Idempotent,
    bool? Checkpoints,
    TimeSpan? MaxRunTime,
    Verdict Verdict);

/// <summary>
/// Every running job's verdict for one grace period: counts over all running jobs (an aggregate in SQL), and the
/// most urgent of them listed (capped at the query's limit).
/// </summary>
public sealed record ReadinessReport(
    TimeSpan Grace,
    DateTimeOffset TakenAt,
    IReadOnlyDictionary<Verdict, long> Counts,
    IReadOnlyList<RunningJobReadiness> Jobs,
    IReadOnlyList<KindFacts> Kinds)
{
    /// <summary>Running jobs in all.</summary>
    public long Running => Counts.Values.Sum();

    public long CountOf(Verdict verdict) => Counts.TryGetValue(verdict, out var n) ? n : 0;

    /// <summary>True when a restart now would cut no job mid-write (nothing unsafe).</summary>
    public bool IsSafe => CountOf(Verdict.Unsafe) == 0;
}
