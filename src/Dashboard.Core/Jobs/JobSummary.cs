namespace Dashboard.Core.Jobs;

/// <summary>One row of the jobs list: the columns a table shows, with the last error cut to its start.</summary>
public sealed record JobSummary(
    long Id,
    string Kind,
    string State,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset RunAt,
    string? LeasedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    string? LastError);

/// <summary>
/// One page of the jobs list. Pass <see cref="NextAfterId"/> as <c>afterId</c> for the next page in the same order;
/// it is null on the last page. Keyset paging: jobs added meanwhile never shift a page.
/// </summary>
public sealed record JobListPage(IReadOnlyList<JobSummary> Jobs, long? NextAfterId);

/// <summary>How a count was obtained.</summary>
public enum JobCountKind
{
    /// <summary>Counted exactly.</summary>
    Exact,

    /// <summary>At least this many match (counting stopped at the cap).</summary>
    AtLeast,

    /// <summary>The planner's estimate: counting would have taken too long.</summary>
    Estimate,
}

/// <summary>A total for a filter, exact when cheap, otherwise "more than N" or an estimate, and marked so.</summary>
public sealed record JobCount(long Value, JobCountKind Kind);
