using Dashboard.Core.Claims;
using Dashboard.Core.Database;
using Dashboard.Core.Readiness;

namespace Dashboard.Worker;

/// <summary>
/// Runs claimed jobs: calls each job's handler (no transaction open meanwhile), maps what it did to the contract's
/// outcome (complete, fail with retry, release at shutdown, nothing when the lease was lost), and at shutdown lets
/// in-flight jobs finish within the budget, then cancels and releases the rest.
/// </summary>
internal sealed class JobRunner(
    JobClaims claims, JobWorkerOptions options, string workerId, InFlightJobs inFlight, WorkerLog log, ReadinessQueries? readiness = null)
    : IDisposable
{
    // The verdicts are read once at shutdown; a database that does not answer quickly must not eat the budget.
    private static readonly TimeSpan _verdictTimeout = TimeSpan.FromSeconds(2);

    private readonly RetryBackoff _backoff = new(options.RetryBaseDelay, options.RetryMaxDelay);
    private readonly CancellationTokenSource _abort = new();
    private CancellationToken _stopping;
    private long _completed;

    /// <summary>Cancelled once the shutdown budget is spent: handlers and claims in flight are cut off.</summary>
    public CancellationToken Aborted => _abort.Token;

    public long CompletedCount => Interlocked.Read(ref _completed);

    /// <summary>The host's stop token, handed to handlers as <see cref="JobContext.ShutdownRequested"/>.</summary>
    public void Begin(CancellationToken stopping) => _stopping = stopping;

    public void Start(ClaimedJob job)
    {
        var running = new RunningJob(job, options.Handlers[job.Kind]);
        inFlight.Add(running);
        running.Completion = Task.Run(() => RunAsync(running));
    }

    private async Task RunAsync(RunningJob running)
    {
        var job = running.Job;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, running.LeaseLost.Token, running.ReleaseNow.Token);
            if (Limit(running.Registration.Options) is { } limit)
            {
                cts.CancelAfter(limit);
            }

            var context = new JobContext(job, workerId, claims, running.MarkLeaseLost, _stopping);
            Exception? error = null;
            var cancelled = false;
            try
            {
                await running.Registration.Handler(job, context, cts.Token);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested || _stopping.IsCancellationRequested)
            {
                cancelled = true;
            }
            catch (Exception ex)
            {
                error = ex;
            }

            running.Finishing = true;
            await RecordAsync(running, cancelled, error);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) || ex is ObjectDisposedException)
        {
            // The lease is left to expire: the job runs again after its lease timeout (handlers are idempotent).
            // A handler that ignored the shutdown may finish after the data source was disposed: the same case.
            log.OutcomeLost(ex, job.Id, job.Kind);
        }
        finally
        {
            inFlight.Finish(running);
            running.Dispose();
        }
    }

    private async Task RecordAsync(RunningJob running, bool cancelled, Exception? error)
    {
        var job = running.Job;
        if (running.LeaseLost.IsCancellationRequested)
        {
            // The heartbeat or a checkpoint found the lease gone; whatever the handler did is not ours to record.
            log.LeaseLost(job.Id, job.Kind);
        }
        else if (cancelled && running.ReleaseNow.IsCancellationRequested)
        {
            await ReleaseAsync(job, "can't finish within the shutdown budget; released with its checkpoint");
        }
        else if (cancelled && (_stopping.IsCancellationRequested || _abort.IsCancellationRequested))
        {
            await ReleaseAsync(job, "stopped by shutdown");
        }
        else if (cancelled && running.Registration.Options.MaxRunTime is { } max)
        {
            await FailAsync(job, $"exceeded its maximum run time of {max}: the handler was cancelled");
        }
        else if (cancelled)
        {
            await FailAsync(job, $"timed out after {running.Registration.Options.Timeout}");
        }
        else if (error is not null)
        {
            await FailAsync(job, $"{error.GetType().Name}: {error.Message}");
        }
        else if (await claims.CompleteAsync(job.Lease, CancellationToken.None) == LeaseResult.Applied)
        {
            Interlocked.Increment(ref _completed);
        }
        else
        {
            log.Refused("completion", job.Id, job.Kind);
        }
    }

    private async Task FailAsync(ClaimedJob job, string error)
    {
        var result = await claims.FailAsync(job.Lease, error, _backoff, CancellationToken.None);
        if (result.Result == LeaseResult.LeaseMovedOn)
        {
            log.Refused("failure", job.Id, job.Kind);
        }
        else
        {
            log.Failed(job.Id, job.Kind, job.Attempts, job.MaxAttempts, error, result.State!, result.RunAt);
        }
    }

    /// <summary>Hands a job back (queued, keeping its checkpoint) under its lease; a lost lease or a database error is logged.</summary>
    public async Task ReleaseAsync(ClaimedJob job, string why)
    {
        try
        {
            if (await claims.ReleaseAsync(job.Lease, CancellationToken.None) == LeaseResult.Applied)
            {
                log.Released(job.Id, job.Kind, why);
            }
            else
            {
                log.Refused("release", job.Id, job.Kind);
            }
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            log.OutcomeLost(ex, job.Id, job.Kind);
        }
    }

    /// <summary>
    /// Shutdown: waits up to the budget for in-flight jobs, then cancels their handlers, gives those that honour the
    /// token <see cref="WorkerTimings.ReleaseGrace"/> to release their own job, and releases the rest.
    /// </summary>
    public async Task DrainAsync()
    {
        var started = TimeProvider.System.GetTimestamp();
        await ReleaseWhatCannotFitAsync();
        var left = options.ShutdownBudget - TimeProvider.System.GetElapsedTime(started);
        if (await inFlight.WaitAllAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero))
        {
            return;
        }

        log.BudgetSpent(inFlight.Count);
        await _abort.CancelAsync();
        if (await inFlight.WaitAllAsync(WorkerTimings.ReleaseGrace))
        {
            return;
        }

        foreach (var running in inFlight.All.ToList())
        {
            await ReleaseAsync(running.Job, "shutdown budget spent; the handler did not stop");
        }
    }

    /// <summary>
    /// The budget is spent on work that can finish: asks Core's readiness rule (the one the console shows) about every
    /// job in flight, with the budget as the grace period, and releases at once, with their checkpoint, the jobs that
    /// won't finish and can safely stop (they checkpoint, are idempotent, or are past their maximum run time). A job
    /// that is neither idempotent nor checkpointing keeps running: stopping it now would cut it just the same. So does
    /// a job whose remaining time is unknown (no progress, no finished job of its kind to learn from): it may fit.
    /// </summary>
    private async Task ReleaseWhatCannotFitAsync()
    {
        if (readiness is null || inFlight.IsEmpty)
        {
            return;
        }

        IReadOnlyList<RunningJobReadiness> verdicts;
        try
        {
            using var timeout = new CancellationTokenSource(_verdictTimeout);
            verdicts = await readiness.ListForJobsAsync([.. inFlight.All.Select(r => r.Job.Id)], options.ShutdownBudget, timeout.Token);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) || ex is OperationCanceledException)
        {
            log.VerdictsUnavailable(ex);
            return;
        }

        var early = new List<RunningJob>();
        foreach (var verdict in verdicts)
        {
            if (!inFlight.TryGet(verdict.Id, out var running) || running.Finishing)
            {
                continue;
            }

            var remaining = verdict.Remaining?.ToString() ?? "unknown";
            if (verdict.Verdict == Verdict.Unsafe)
            {
                log.UnsafeAtShutdown(verdict.Id, verdict.Kind, options.ShutdownBudget, remaining);
            }
            else if (verdict.Verdict == Verdict.OverMaxRunTime
                     || (verdict.Verdict != Verdict.Finishes && verdict.Basis != RemainingBasis.Unknown))
            {
                log.ReleasingEarly(verdict.Id, verdict.Kind, options.ShutdownBudget, Verdicts.Code(verdict.Verdict), remaining);
                running.RequestRelease();
                early.Add(running);
            }
        }

        // Handlers that honour their token release their own job at once; the leases of the others are released here.
        try
        {
            await Task.WhenAll(early.Select(r => r.Completion)).WaitAsync(WorkerTimings.ReleaseGrace);
        }
        catch (TimeoutException)
        {
            foreach (var running in early.Where(r => !r.Completion.IsCompleted && !r.Finishing))
            {
                running.Finishing = true;
                await ReleaseAsync(running.Job, "can't finish within the shutdown budget; the handler did not stop");
            }
        }
    }

    private static TimeSpan? Limit(JobHandlerOptions handler) =>
        handler.MaxRunTime is { } max && handler.Timeout is { } timeout ? (max < timeout ? max : timeout) : handler.MaxRunTime ?? handler.Timeout;

    public void Dispose() => _abort.Dispose();
}
