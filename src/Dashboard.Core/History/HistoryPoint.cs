namespace Dashboard.Core.History;

/// <summary>
/// One kind over one bucket (a minute, or a downsampled span). Counters: jobs that finished done or failed, were
/// requeued for a retry, or were enqueued in the bucket. Gauges (null when unknown): the queue as the snapshot saw
/// it at the bucket's end (downsampled: the highest value in the span). Times in milliseconds.
/// </summary>
public sealed record HistoryPoint(
    string Kind,
    DateTimeOffset Bucket,
    long Completed,
    long Failed,
    long Retried,
    long? Enqueued,
    long? Queued,
    long? Processing,
    long? Paused,
    long? Stuck,
    double? OldestQueuedSeconds,
    double? WaitP50Ms,
    double? WaitP95Ms,
    double? RunP50Ms,
    double? RunP95Ms)
{
    /// <summary>Queued plus paused: the work waiting.</summary>
    public long? Backlog => Queued is null && Paused is null ? null : (Queued ?? 0) + (Paused ?? 0);
}

/// <summary>The chart ranges of the kind page, each with the bucket it is downsampled to (at most 300 points).</summary>
public enum HistoryRange
{
    Hour,
    Day,
    Week,
}

public static class HistoryRanges
{
    public static TimeSpan Length(this HistoryRange range) => range switch
    {
        HistoryRange.Hour => TimeSpan.FromHours(1),
        HistoryRange.Day => TimeSpan.FromDays(1),
        _ => TimeSpan.FromDays(7),
    };

    public static TimeSpan Step(this HistoryRange range) => range switch
    {
        HistoryRange.Hour => TimeSpan.FromMinutes(1),
        HistoryRange.Day => TimeSpan.FromMinutes(5),
        _ => TimeSpan.FromMinutes(30),
    };

    /// <summary>The start of the bucket of <paramref name="step"/> that <paramref name="t"/> falls in (UTC).</summary>
    public static DateTimeOffset Floor(DateTimeOffset t, TimeSpan step) =>
        new(t.UtcTicks - (t.UtcTicks % step.Ticks), TimeSpan.Zero);
}

/// <summary>The gauges of one kind at one moment, from the snapshot.</summary>
public sealed record KindGauges(string Kind, long Queued, long Processing, long Paused, double? OldestQueuedSeconds);
