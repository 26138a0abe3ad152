namespace Dashboard.Core;

/// <summary>The console's settings, bound from the <c>Dashboard</c> section and <c>ConnectionStrings:Jobs</c>.</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>The PostgreSQL connection string (<c>ConnectionStrings:Jobs</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How often the one snapshot loop of this instance reads the queue.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A snapshot query slower than this fails and the console keeps showing the last one.</summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Finished (done/failed) rows are counted exactly per kind up to this many; above it the count is the planner's
    /// estimate for the kind, marked as such. Read on the slow cadence.
    /// </summary>
    public int FinishedCountCap { get; set; } = 1000;

    /// <summary>
    /// Rows in any other state (queued, processing, paused, hand-written) are counted exactly per state and kind up to
    /// this many on every tick; above it the count is the planner's estimate, marked as such. Processing is always exact.
    /// </summary>
    public int LiveCountCap { get; set; } = 1000;

    /// <summary>How often finished counts and the estimates above the caps are refreshed (they change slowly).</summary>
    public TimeSpan SlowCountInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often finished counts already at <see cref="FinishedCountCap"/> (shown as estimates) are counted and
    /// estimated again. Between, they keep their last figure; finished counts below the cap are refreshed every
    /// <see cref="SlowCountInterval"/>.
    /// </summary>
    public TimeSpan FullCountInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A worker whose last heartbeat is older than this is shown as gone.</summary>
    public TimeSpan WorkerStaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A stopped worker's row is deleted this long after it stopped (its <c>host:pid</c> never comes back).</summary>
    public TimeSpan StoppedWorkerRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The channel the change listener LISTENs on. The control tables' triggers (migration 0001) notify
    /// <c>dashboard_changes</c>; change this only together with them.
    /// </summary>
    public string ChangeChannel { get; set; } = "dashboard_changes";

    /// <summary>Apply pending migrations when the app starts.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// Keys whose values are masked in job payloads and checkpoints for everyone but admins (see
    /// <see cref="Jobs.JsonRedactor"/>). Setting the list replaces the default.
    /// </summary>
    public string[] RedactKeys { get; set; } = [.. Jobs.JsonRedactor.DefaultKeys];

    /// <summary>How singleton background work (one instance at a time) is taken over.</summary>
    public SingletonOptions Singletons { get; set; } = new();

    /// <summary>The per-kind history (charts, metrics, alerts).</summary>
    public History.HistoryOptions History { get; set; } = new();

    /// <summary>Alert rules from settings, the webhook and the evaluation cadence.</summary>
    public Alerts.AlertOptions Alerts { get; set; } = new();

    /// <summary>What the drain view measures progress against.</summary>
    public DeployGateOptions DeployGate { get; set; } = new();

    /// <summary>How bulk operations run in the background.</summary>
    public BulkOptions Bulk { get; set; } = new();
}

/// <summary>Bulk operations: chunk size, pause between chunks, and how often instances look for work.</summary>
public sealed class BulkOptions
{
    /// <summary>Jobs changed per chunk (one short transaction each).</summary>
    public int ChunkSize { get; set; } = 1000;

    /// <summary>Pause between chunks, leaving the database to the workers: at least this long.</summary>
    public TimeSpan ChunkPause { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// And at least this many times as long as the chunk itself took, so that a bulk operation takes a bounded share
    /// of the database however slow its chunks are (1.5: it works at most 40 % of the time). 0 turns it off.
    /// </summary>
    public double ChunkPauseFactor { get; set; } = 1.5;

    /// <summary>How often each instance looks for operations to run or resume.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The drain view's limits (the CLI's --max-drain and --abort-if-older-than have the same defaults).</summary>
public sealed class DeployGateOptions
{
    /// <summary>How long a drain may take before a deploy gives up.</summary>
    public TimeSpan MaxDrainWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A job running longer than this aborts a deploy.</summary>
    public TimeSpan AbortIfOlderThan { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Singleton work (pause expiry, history, alerts) runs on one instance at a time; these set the takeover.</summary>
public sealed class SingletonOptions
{
    /// <summary>How often an instance that does not run a singleton's work tries to take it over.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the instance that runs it checks that it still holds the lock.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);
}
