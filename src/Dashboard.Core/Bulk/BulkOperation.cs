namespace Dashboard.Core.Bulk;

/// <summary>
/// One "act on every job matching a filter", as stored in <c>bulk_operations</c>: what, on which filter, by whom, and
/// how far it got. <see cref="Changed"/> counts the jobs changed so far (exactly: it advances in each chunk's own
/// transaction); <see cref="Expected"/> is the count when it started.
/// </summary>
public sealed record BulkOperation(
    long Id,
    string Action,
    string FilterText,
    string State,
    long Expected,
    long Changed,
    int Chunks,
    string Actor,
    string Reason,
    bool CancelRequested,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt)
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";

    public bool IsRunning => State == Running;

    /// <summary>0..1, for a progress bar (1 once finished).</summary>
    public double Progress => !IsRunning ? 1 : Expected == 0 ? 0 : Math.Min(1, (double)Changed / Expected);
}
