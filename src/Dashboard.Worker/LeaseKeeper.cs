using Dashboard.Core.Claims;
using Dashboard.Core.Database;

namespace Dashboard.Worker;

/// <summary>
/// Keeps the worker's row and leases alive: heartbeats the worker row (learning drain and intake signals), extends
/// the leases of running jobs (marking those found lost), and now and then reclaims other workers' expired leases.
/// </summary>
internal sealed class LeaseKeeper(
    JobClaims claims, WorkerRegistry registry, JobWorkerOptions options, WorkerIdentity identity, InFlightJobs inFlight, WorkerLog log)
{
    private CancellationToken _stopping;

    /// <summary>The drain and intake signals as last read.</summary>
    public WorkerSignals Signals { get; private set; } = new(DrainRequested: false, Accepting: true);

    /// <summary>Sets the signals read at registration; the host's stop token marks the worker as draining.</summary>
    public void Begin(WorkerSignals signals, CancellationToken stopping)
    {
        log.Signals(Signals, signals);
        Signals = signals;
        _stopping = stopping;
    }

    /// <summary>Beats until <paramref name="ct"/>, reclaiming every <see cref="JobWorkerOptions.ReclaimInterval"/> when enabled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var nextReclaim = DateTime.UtcNow + options.ReclaimInterval;
        while (await WorkerTimings.DelayAsync(NextBeatDelay(), ct))
        {
            await BeatAsync(ct);
            if (options.ReclaimExpiredLeases && DateTime.UtcNow >= nextReclaim)
            {
                await ReclaimAsync(ct);
                nextReclaim = DateTime.UtcNow + options.ReclaimInterval;
            }
        }
    }

    // Leases are extended several times per lease timeout, so missed beats still leave the lease alive.
    private TimeSpan NextBeatDelay()
    {
        var delay = options.HeartbeatInterval;
        foreach (var running in inFlight.All)
        {
            if (running.Registration.Options.HeartbeatWhileRunning)
            {
                delay = WorkerTimings.Min(delay, running.Job.LeaseTimeout / WorkerTimings.BeatsPerLeaseTimeout);
            }
        }

        return delay < WorkerTimings.MinHeartbeat ? WorkerTimings.MinHeartbeat : delay;
    }

    /// <summary>Upserts the worker row (learning drain and intake), then extends the held leases.</summary>
    public async Task BeatAsync(CancellationToken ct)
    {
        try
        {
            var state = StateFor(Signals);
            var signals = await registry.HeartbeatAsync(identity, state, inFlight.Count, ct);
            if (signals != Signals)
            {
                log.Signals(Signals, signals);
                Signals = signals;
                if (StateFor(signals) != state)
                {
                    await registry.HeartbeatAsync(identity, StateFor(signals), inFlight.Count, ct);
                }
            }

            var held = inFlight.All.Where(r => r.Registration.Options.HeartbeatWhileRunning && !r.Finishing).ToList();
            var lost = await claims.HeartbeatAsync([.. held.Select(r => r.Job.Lease)], ct);
            foreach (var lease in lost)
            {
                if (inFlight.TryGet(lease.JobId, out var running) && running.Job.LeaseToken == lease.Token && !running.Finishing)
                {
                    running.MarkLeaseLost();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            log.DatabaseError(ex, "heartbeating", NextBeatDelay());
        }
    }

    private string StateFor(WorkerSignals signals) =>
        _stopping.IsCancellationRequested || signals.ShouldDrain ? WorkerStates.Draining : WorkerStates.Running;

    private async Task ReclaimAsync(CancellationToken ct)
    {
        try
        {
            var reclaimed = await claims.ReclaimExpiredAsync(options.DefaultLeaseTimeout, WorkerTimings.ReclaimBatchSize, ct);
            foreach (var job in reclaimed)
            {
                log.Reclaimed(job.Id, job.Kind, job.PreviousHolder, job.State);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            log.DatabaseError(ex, "reclaiming expired leases", options.ReclaimInterval);
        }
    }
}
