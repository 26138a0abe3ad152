namespace Dashboard.Core;

/// <summary>The console's settings, bound from the <c>Dashboard</c> section and <c>ConnectionStrings:Jobs</c>.</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>The PostgreSQL connection string (<c>ConnectionStrings:Jobs</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Lease timeout for kinds without their own setting.</summary>
    public TimeSpan DefaultLeaseTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the one snapshot loop of this instance reads the queue.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A snapshot query slower than this fails and the console keeps showing the last one.</summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Finished (done/failed) rows are counted exactly per kind up to this many; above it they are estimates.</summary>
    public int FinishedCountCap { get; set; } = 5000;

    /// <summary>A worker whose last heartbeat is older than this is shown as gone.</summary>
    public TimeSpan WorkerStaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The channel the change listener LISTENs on. The control tables' triggers (migration 0001) notify
    /// <c>dashboard_changes</c>; change this only together with them.
    /// </summary>
    public string ChangeChannel { get; set; } = "dashboard_changes";

    /// <summary>Apply pending migrations when the app starts.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>How singleton background work (one instance at a time) is taken over.</summary>
    public SingletonOptions Singletons { get; set; } = new();

    /// <summary>The per-kind history (charts, metrics, alerts).</summary>
    public History.HistoryOptions History { get; set; } = new();

    /// <summary>Alert rules from settings, the webhook and the evaluation cadence.</summary>
    public Alerts.AlertOptions Alerts { get; set; } = new();

    /// <summary>What the drain view measures progress against.</summary>
    public DeployGateOptions DeployGate { get; set; } = new();
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
