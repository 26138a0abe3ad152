using Dashboard.Core.Claims;

namespace Dashboard.Worker;

/// <summary>
/// The worker's settings, bound from the <c>Worker</c> section (environment: <c>Worker__Concurrency</c> …) after the
/// code's own configuration, so deployment settings win. The connection string defaults to <c>ConnectionStrings:Jobs</c>.
/// </summary>
public sealed class JobWorkerOptions
{
    public const string SectionName = "Worker";

    private readonly Dictionary<string, JobHandlerRegistration> _handlers = new(StringComparer.Ordinal);

    /// <summary>The PostgreSQL connection string; <c>ConnectionStrings:Jobs</c> when not set.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The worker's identity in <c>workers.id</c> and <c>jobs.leased_by</c>; <c>host:pid</c> when not set.</summary>
    public string? WorkerId { get; set; }

    /// <summary>How many jobs run at once.</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>How often to look for work while there is some.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>While idle the poll interval grows by half each empty poll, up to this.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the worker row and held leases are heartbeat. Leases are also heartbeat at a third of their kind's
    /// lease timeout when that is shorter.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Take back expired leases (of any worker) so their jobs run again.</summary>
    public bool ReclaimExpiredLeases { get; set; } = true;

    /// <summary>How often to look for expired leases.</summary>
    public TimeSpan ReclaimInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On shutdown, how long in-flight jobs may take to finish; the rest are cancelled and released with their
    /// checkpoint. The host's shutdown timeout is raised above it.
    /// </summary>
    public TimeSpan ShutdownBudget { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>First retry delay after a failure; it doubles with each attempt.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = RetryBackoff.Default.BaseDelay;

    /// <summary>The longest retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = RetryBackoff.Default.MaxDelay;

    /// <summary>The handlers by kind; the worker claims only these kinds.</summary>
    public IReadOnlyDictionary<string, JobHandlerRegistration> Handlers => _handlers;

    /// <summary>Registers the handler of <paramref name="kind"/> (replacing an earlier one).</summary>
    public JobWorkerOptions Handle(string kind, JobHandler handler, Action<JobHandlerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(handler);
        var options = new JobHandlerOptions();
        configure?.Invoke(options);
        _handlers[kind] = new JobHandlerRegistration(kind, handler, options);
        return this;
    }
}
