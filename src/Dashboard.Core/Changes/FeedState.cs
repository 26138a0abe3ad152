namespace Dashboard.Core.Changes;

/// <summary>
/// What viewers see: the last good snapshot (kept while the database is unreachable) and, when the last read
/// failed, why. <see cref="Snapshot"/> is null only before the first successful read.
/// </summary>
public sealed record FeedState(DashboardSnapshot? Snapshot, string? Error, DateTimeOffset? ErrorSince)
{
    public static FeedState Starting { get; } = new(null, null, null);

    public bool IsHealthy => Error is null && Snapshot is not null;
}
