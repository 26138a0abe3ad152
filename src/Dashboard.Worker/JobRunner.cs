using Dashboard.Core.Claims;
using Dashboard.Core.Database;

namespace Dashboard.Worker;

/// <summary>
/// Runs claimed jobs: calls each job's handler (no transaction open meanwhile), maps what it did to the contract's
/// outcome (complete, fail with retry, release at shutdown, nothing when the lease was lost), and at shutdown lets
/// in-flight jobs finish within the budget, then cancels and releases the rest.
/// </summary>
internal sealed class JobRunner(JobClaims claims, JobWorkerOptions options, string workerId, InFlightJobs inFlight, WorkerLog log) : IDisposable
{
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
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, running.LeaseLost.Token);
            if (running.Registration.Options.Timeout is { } timeout)
            {
                cts.CancelAfter(timeout);
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
        else if (cancelled && (_stopping.IsCancellationRequested || _abort.IsCancellationRequested))
        {
            await ReleaseAsync(job, "stopped by shutdown");
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
        if (await inFlight.WaitAllAsync(options.ShutdownBudget))
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

    public void Dispose() => _abort.Dispose();
}
