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
    /// <remarks>A local limit, not declared to the console; prefer <see cref="MaxRunTime"/>.</remarks>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// Running a job of the kind twice is harmless, so a restart may requeue it to run again from the start.
    /// Declared to the console (<c>job_kinds.idempotent</c>) when the worker starts; null: not declared.
    /// </summary>
    public bool? Idempotent { get; set; }

    /// <summary>
    /// The handler stores checkpoints (<see cref="JobContext.CheckpointAsync{T}(T, CancellationToken)"/>) and resumes
    /// from them, so a restart may release the job to resume where it stopped. Declared like <see cref="Idempotent"/>.
    /// </summary>
    public bool? Checkpoints { get; set; }

    /// <summary>
    /// The longest a job of the kind may run: past it the handler is cancelled and the attempt fails with an error
    /// saying so (retried with backoff like any failure), and the console flags running jobs past it as probably stuck.
    /// Declared like <see cref="Idempotent"/>; null (default) for no maximum.
    /// </summary>
    public TimeSpan? MaxRunTime { get; set; }

    /// <summary>True when any shutdown fact is declared.</summary>
    internal bool DeclaresFacts => Idempotent is not null || Checkpoints is not null || MaxRunTime is not null;
}

/// <summary>A handler registered for one kind.</summary>
public sealed record JobHandlerRegistration(string Kind, JobHandler Handler, JobHandlerOptions Options);
