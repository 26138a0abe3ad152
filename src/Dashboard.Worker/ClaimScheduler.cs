using Dashboard.Core.Claims;
using Dashboard.Core.Database;

namespace Dashboard.Worker;

/// <summary>
/// The polling loop: waits for free slots, claims up to that many due jobs (kinds with their own concurrency limit
/// separately, up to their room), starts them, and backs off while nothing is due or the database fails.
/// </summary>
internal sealed class ClaimScheduler
{
    private readonly JobClaims _claims;
    private readonly JobWorkerOptions _options;
    private readonly string _workerId;
    private readonly InFlightJobs _inFlight;
    private readonly JobRunner _runner;
    private readonly WorkerLog _log;
    private readonly List<(string Kind, int Max)> _limitedKinds;
    private readonly List<string> _unlimitedKinds;
    private long _claimCycles;

    public ClaimScheduler(JobClaims claims, JobWorkerOptions options, WorkerIdentity identity, InFlightJobs inFlight, JobRunner runner, WorkerLog log)
    {
        _claims = claims;
        _options = options;
        _workerId = identity.Id;
        _inFlight = inFlight;
        _runner = runner;
        _log = log;
        _limitedKinds = [.. options.Handlers.Values
            .Where(h => h.Options.MaxConcurrency is { } max && max < options.Concurrency)
            .Select(h => (h.Kind, h.Options.MaxConcurrency!.Value))
            .OrderBy(h => h.Kind, StringComparer.Ordinal)];
        _unlimitedKinds = [.. identity.Kinds.Where(k => !_limitedKinds.Any(l => l.Kind == k))];
    }

    /// <summary>How many claim statements have run.</summary>
    public long ClaimCycles => Interlocked.Read(ref _claimCycles);

    /// <summary>Claims and starts jobs until <paramref name="stopping"/>; claims nothing after it.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var idle = _options.PollInterval;
        while (!stopping.IsCancellationRequested)
        {
            var free = await _inFlight.TakeFreeSlotsAsync(stopping);
            if (free == 0)
            {
                return;
            }

            int started;
            try
            {
                started = await ClaimAndStartAsync(free, stopping);
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) || (ex is OperationCanceledException && _runner.Aborted.IsCancellationRequested))
            {
                _log.DatabaseError(ex, "claiming", idle);
                if (!await WorkerTimings.DelayAsync(idle, stopping))
                {
                    return;
                }

                idle = WorkerTimings.Min(idle * WorkerTimings.ClaimErrorBackoffFactor, _options.MaxPollInterval);
                continue;
            }

            if (started > 0)
            {
                idle = _options.PollInterval;
            }
            else if (!await WorkerTimings.DelayAsync(idle, stopping))
            {
                return;
            }
            else
            {
                idle = WorkerTimings.Min(idle * WorkerTimings.IdleBackoffFactor, _options.MaxPollInterval);
            }
        }
    }

    /// <summary>Claims up to <paramref name="free"/> jobs (slots already taken) and starts them; gives back the slots it did not use.</summary>
    private async Task<int> ClaimAndStartAsync(int free, CancellationToken stopping)
    {
        var started = 0;
        try
        {
            if (_limitedKinds.Count > 0)
            {
                var runningByKind = _inFlight.CountByKind();
                foreach (var (kind, max) in _limitedKinds)
                {
                    var room = Math.Min(max - runningByKind.GetValueOrDefault(kind), free - started);
                    if (room > 0)
                    {
                        started += await ClaimAndStartAsync([kind], room, stopping);
                    }
                }
            }

            if (_unlimitedKinds.Count > 0 && free > started && !stopping.IsCancellationRequested)
            {
                started += await ClaimAndStartAsync(_unlimitedKinds, free - started, stopping);
            }

            return started;
        }
        finally
        {
            _inFlight.ReturnSlots(free - started);
        }
    }

    private async Task<int> ClaimAndStartAsync(IReadOnlyList<string> kinds, int batchSize, CancellationToken stopping)
    {
        // Not cancelled by the stop: a claim cancelled after it committed would hold jobs nobody runs.
        var jobs = await _claims.ClaimAsync(_workerId, kinds, batchSize, _runner.Aborted);
        Interlocked.Increment(ref _claimCycles);
        if (stopping.IsCancellationRequested)
        {
            // The stop came while this claim ran: hand its jobs straight back, unstarted.
            foreach (var job in jobs)
            {
                await _runner.ReleaseAsync(job, "unstarted at shutdown");
            }

            return 0;
        }

        foreach (var job in jobs)
        {
            _runner.Start(job);
        }

        return jobs.Count;
    }
}
