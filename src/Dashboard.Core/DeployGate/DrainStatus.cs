using Dashboard.Core.Changes;

namespace Dashboard.Core.DeployGate;

/// <summary>
/// The drain procedure's state, computed once from the snapshot's aggregates (never from its capped lists), with the
/// same figures the deploy gate reports: <see cref="InFlight"/> is its <c>running</c> and <see cref="OldestRunning"/>
/// its <c>oldest_running_minutes</c> (both from the <c>job_leases</c> view).
/// </summary>
public sealed record DrainStatus(
    bool Accepting,
    long InFlight,
    TimeSpan Elapsed,
    TimeSpan? OldestRunning,
    TimeSpan MaxDrainWait,
    TimeSpan AbortIfOlderThan)
{
    /// <summary>Intake paused and nothing in flight: safe to restart.</summary>
    public bool Drained => !Accepting && InFlight == 0;

    /// <summary>The drain has taken longer than the cap: a deploy would give up.</summary>
    public bool OverCap => !Accepting && Elapsed > MaxDrainWait;

    /// <summary>A job has run longer than the abort threshold: a deploy would abort.</summary>
    public bool WouldAbort => InFlight > 0 && OldestRunning > AbortIfOlderThan;

    /// <summary>One line for people.</summary>
    public string Summary =>
        InFlight == 0 ? (Accepting ? "nothing running" : "drained: safe to restart")
        : WouldAbort ? "a deploy would abort: a job has run longer than the threshold"
        : "still running";

    public static DrainStatus From(DashboardSnapshot snapshot, DeployGateOptions gate)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(gate);
        var now = snapshot.TakenAt;
        var elapsed = snapshot.Intake.Accepting ? TimeSpan.Zero : Max(now - snapshot.Intake.ChangedAt);
        var oldest = snapshot.Leases.OldestRunningSince is { } since ? Max(now - since) : (TimeSpan?)null;
        return new DrainStatus(snapshot.Intake.Accepting, snapshot.Leases.Processing, elapsed, oldest, gate.MaxDrainWait, gate.AbortIfOlderThan);
    }

    private static TimeSpan Max(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value;
}
