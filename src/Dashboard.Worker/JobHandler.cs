using Dashboard.Core.Claims;

namespace Dashboard.Worker;

/// <summary>
/// Runs one job. Returning completes it; throwing fails it (retried with backoff until its attempts are used up).
/// <paramref name="ct"/> is cancelled when the shutdown budget is spent, the lease moved on, or the handler's
/// timeout passed; a handler that stops early on shutdown should throw <see cref="OperationCanceledException"/>
/// so the job is released (requeued with its checkpoint) rather than completed.
/// </summary>
public delegate Task JobHandler(ClaimedJob job, JobContext context, CancellationToken ct);

/// <summary>Per-kind settings of a handler.</summary>
public sealed class JobHandlerOptions
{
    /// <summary>
    /// Extend the job's lease while the handler runs (default). When false, only checkpoints extend it, so a handler
    /// that hangs shows as a stuck lease and becomes reclaimable after the kind's lease timeout.
    /// </summary>
    public bool HeartbeatWhileRunning { get; set; } = true;

    /// <summary>
    /// At most this many jobs of the kind run at once in this worker; null (default) for the worker's concurrency.
    /// Keeps slow or hanging kinds from taking every slot.
    /// </summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>Cancel the handler and fail the attempt after this long; null (default) for no limit.</summary>
    public TimeSpan? Timeout { get; set; }
}

/// <summary>A handler registered for one kind.</summary>
public sealed record JobHandlerRegistration(string Kind, JobHandler Handler, JobHandlerOptions Options);
