namespace Dashboard.Core.History;

/// <summary>The history writer's settings (<c>Dashboard:History</c>).</summary>
public sealed class HistoryOptions
{
    /// <summary>Write history at all (the instance that holds the lock writes it; the others only read).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long one-minute rows are kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long hourly rollups, and resolved alert events, are kept.</summary>
    public TimeSpan RollupRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often the open minute is rewritten, so charts move within the minute.</summary>
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long after a minute ends it is counted for good (lets transactions that finished jobs commit).</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How far back missed minutes are filled in after a takeover or an outage.</summary>
    public TimeSpan BackfillLimit { get; set; } = TimeSpan.FromHours(1);
}
