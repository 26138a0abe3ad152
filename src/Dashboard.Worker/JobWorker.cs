using System.Collections.Concurrent;
using System.Data.Common;
using Dashboard.Core.Claims;
using Dashboard.Core.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Worker;

/// <summary>
/// The reference worker: claims jobs of its handlers' kinds (the SQL contract in <see cref="JobClaims"/>), runs up to
/// <see cref="JobWorkerOptions.Concurrency"/> at once, heartbeats its row and its leases, reclaims expired leases,
/// and on stop claims nothing more, lets in-flight jobs finish within the shutdown budget, releases the rest with
/// their checkpoint and marks itself stopped. No transaction is open while a handler runs.
/// </summary>
public sealed partial class JobWorker : BackgroundService
{
    private static readonly TimeSpan _minBeat = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan _releaseGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan _maxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly JobClaims _claims;
    private readonly WorkerRegistry _registry;
    private readonly JobWorkerOptions _options;
    private readonly ILogger _logger;
    private readonly WorkerIdentity _identity;
    private readonly RetryBackoff _backoff;
    private readonly ConcurrentDictionary<long, RunningJob> _running = new();
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _abort = new();
    private readonly List<(string Kind, int Max)> _limitedKinds;
    private readonly List<string> _unlimitedKinds;
    private CancellationToken _stopping;
    private WorkerSignals _signals = new(DrainRequested: false, Accepting: true);
    private long _claimCycles;
    private long _completed;

    public JobWorker(Db db, IOptions<JobWorkerOptions> options, ILogger<JobWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _logger = logger;
        _claims = new JobClaims(db);
        _registry = new WorkerRegistry(db);
        _identity = WorkerIdentity.ForThisProcess([.. _options.Handlers.Keys.Order(StringComparer.Ordinal)], _options.Concurrency, _options.WorkerId);
        _backoff = new RetryBackoff(_options.RetryBaseDelay, _options.RetryMaxDelay);
        _slots = new SemaphoreSlim(_options.Concurrency, _options.Concurrency);
        _limitedKinds = [.. _options.Handlers.Values
            .Where(h => h.Options.MaxConcurrency is { } max && max < _options.Concurrency)
            .Select(h => (h.Kind, h.Options.MaxConcurrency!.Value))
            .OrderBy(h => h.Kind, StringComparer.Ordinal)];
        _unlimitedKinds = [.. _identity.Kinds.Where(k => !_limitedKinds.Any(l => l.Kind == k))];
    }

    /// <summary>This worker's identity (<c>host:pid</c> unless configured).</summary>
    public string WorkerId => _identity.Id;

    /// <summary>How many claim statements this worker has run (diagnostics, tests).</summary>
    public long ClaimCycles => Interlocked.Read(ref _claimCycles);

    /// <summary>How many jobs this worker completed (completion accepted by the database).</summary>
    public long CompletedCount => Interlocked.Read(ref _completed);

    /// <summary>How many jobs this worker holds right now.</summary>
    public int InFlightCount => _running.Count;

    public override void Dispose()
    {
        _abort.Dispose();
        _slots.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        if (!await RegisterAsync(stoppingToken))
        {
            return;
        }

        using var stopBeats = new CancellationTokenSource();
        var beats = HeartbeatLoopAsync(stopBeats.Token);
        try
        {
            await ClaimLoopAsync(stoppingToken);
        }
        finally
        {
            await DrainInFlightAsync();
            await stopBeats.CancelAsync();
            await beats;
            await MarkStoppedAsync();
        }
    }

    private async Task<bool> RegisterAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                var signals = await _registry.RegisterAsync(_identity, ct);
                LogStarted(_identity.Id, string.Join(", ", _identity.Kinds), _identity.Concurrency);
                LogSignals(_signals, signals);
                _signals = signals;
                return true;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex) when (IsDatabaseError(ex))
            {
                LogDatabaseError(ex, "registering", delay);
                if (!await DelayAsync(delay, ct))
                {
                    return false;
                }

                delay = Min(delay * 2, _maxRetryDelay);
            }
        }
    }

    private async Task ClaimLoopAsync(CancellationToken stoppingToken)
    {
        var idle = _options.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!await WaitForSlotAsync(stoppingToken))
            {
                return;
            }

            var free = 1;
            while (free < _options.Concurrency && _slots.Wait(0, CancellationToken.None))
            {
                free++;
            }

            int started;
            try
            {
                started = await ClaimAndStartAsync(free, stoppingToken);
            }
            catch (Exception ex) when (IsDatabaseError(ex) || (ex is OperationCanceledException && _abort.IsCancellationRequested))
            {
                LogDatabaseError(ex, "claiming", idle);
                if (!await DelayAsync(idle, stoppingToken))
                {
                    return;
                }

                idle = Min(idle * 2, _options.MaxPollInterval);
                continue;
            }

            if (started == 0)
            {
                if (!await DelayAsync(idle, stoppingToken))
                {
                    return;
                }

                idle = Min(idle * 1.5, _options.MaxPollInterval);
            }
            else
            {
                idle = _options.PollInterval;
            }
        }
    }

    /// <summary>
    /// Claims up to <paramref name="free"/> jobs (slots already taken) and starts them; gives back the slots it did
    /// not use. Kinds with their own concurrency limit are claimed separately, up to their room.
    /// </summary>
    private async Task<int> ClaimAndStartAsync(int free, CancellationToken stoppingToken)
    {
        var started = 0;
        try
        {
            if (_limitedKinds.Count > 0)
            {
                var runningByKind = _running.Values.GroupBy(r => r.Job.Kind, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
                foreach (var (kind, max) in _limitedKinds)
                {
                    var room = Math.Min(max - runningByKind.GetValueOrDefault(kind), free - started);
                    if (room > 0)
                    {
                        started += await ClaimAndStartAsync([kind], room, stoppingToken);
                    }
                }
            }

            if (_unlimitedKinds.Count > 0 && free > started && !stoppingToken.IsCancellationRequested)
            {
                started += await ClaimAndStartAsync(_unlimitedKinds, free - started, stoppingToken);
            }

            return started;
        }
        finally
        {
            if (free > started)
            {
                _slots.Release(free - started);
            }
        }
    }

    private async Task<int> ClaimAndStartAsync(IReadOnlyList<string> kinds, int batchSize, CancellationToken stoppingToken)
    {
        // Not cancelled by the stop: a claim cancelled after it committed would hold jobs nobody runs.
        var jobs = await _claims.ClaimAsync(_identity.Id, kinds, batchSize, _abort.Token);
        Interlocked.Increment(ref _claimCycles);
        if (stoppingToken.IsCancellationRequested)
        {
            // The stop came while this claim ran: hand its jobs straight back, unstarted.
            foreach (var job in jobs)
            {
                await ReleaseAsync(job, "unstarted at shutdown");
            }

            return 0;
        }

        foreach (var job in jobs)
        {
            Start(job);
        }

        return jobs.Count;
    }

    private async Task<bool> WaitForSlotAsync(CancellationToken ct)
    {
        try
        {
            await _slots.WaitAsync(ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Start(ClaimedJob job)
    {
        var registration = _options.Handlers[job.Kind];
        var running = new RunningJob(job, registration);
        _running[job.Id] = running;
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

            var context = new JobContext(job, _identity.Id, _claims, running.MarkLeaseLost, _stopping);
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
            if (running.LeaseLost.IsCancellationRequested)
            {
                // The heartbeat or a checkpoint found the lease gone; whatever the handler did is not ours to record.
                LogLeaseLost(job.Id, job.Kind);
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
            else
            {
                await CompleteAsync(job);
            }
        }
        catch (Exception ex) when (IsDatabaseError(ex) || ex is ObjectDisposedException)
        {
            // The lease is left to expire: the job runs again after its lease timeout (handlers are idempotent).
            // A handler that ignored the shutdown may finish after the data source was disposed: the same case.
            LogOutcomeLost(ex, job.Id, job.Kind);
        }
        finally
        {
            _running.TryRemove(job.Id, out _);
            running.Dispose();
            _slots.Release();
        }
    }

    private async Task CompleteAsync(ClaimedJob job)
    {
        var result = await _claims.CompleteAsync(job.Lease, CancellationToken.None);
        if (result == LeaseResult.Applied)
        {
            Interlocked.Increment(ref _completed);
        }
        else
        {
            LogRefused("completion", job.Id, job.Kind);
        }
    }

    private async Task FailAsync(ClaimedJob job, string error)
    {
        var result = await _claims.FailAsync(job.Lease, error, _backoff, CancellationToken.None);
        if (result.Result == LeaseResult.LeaseMovedOn)
        {
            LogRefused("failure", job.Id, job.Kind);
        }
        else
        {
            LogFailed(job.Id, job.Kind, job.Attempts, job.MaxAttempts, error, result.State!, result.RunAt);
        }
    }

    private async Task ReleaseAsync(ClaimedJob job, string why)
    {
        try
        {
            var result = await _claims.ReleaseAsync(job.Lease, CancellationToken.None);
            if (result == LeaseResult.Applied)
            {
                LogReleased(job.Id, job.Kind, why);
            }
            else
            {
                LogRefused("release", job.Id, job.Kind);
            }
        }
        catch (Exception ex) when (IsDatabaseError(ex))
        {
            LogOutcomeLost(ex, job.Id, job.Kind);
        }
    }

    private async Task DrainInFlightAsync()
    {
        LogStopping(_running.Count, _options.ShutdownBudget);
        await BeatAsync(CancellationToken.None);
        if (await WaitForRunningAsync(_options.ShutdownBudget))
        {
            return;
        }

        LogBudgetSpent(_running.Count);
        await _abort.CancelAsync();

        // Handlers that honour their token release their own job; give them a moment, then release the rest.
        if (await WaitForRunningAsync(_releaseGrace))
        {
            return;
        }

        foreach (var running in _running.Values.ToList())
        {
            await ReleaseAsync(running.Job, "shutdown budget spent; the handler did not stop");
        }
    }

    private async Task<bool> WaitForRunningAsync(TimeSpan timeout)
    {
        var all = Task.WhenAll(_running.Values.Select(r => r.Completion));
        try
        {
            await all.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return _running.IsEmpty;
        }
    }

    private async Task MarkStoppedAsync()
    {
        try
        {
            await _registry.MarkStoppedAsync(_identity.Id, CancellationToken.None);
            LogStopped(_identity.Id, CompletedCount);
        }
        catch (Exception ex) when (IsDatabaseError(ex))
        {
            LogDatabaseError(ex, "marking the worker stopped", TimeSpan.Zero);
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        var nextReclaim = DateTime.UtcNow + _options.ReclaimInterval;
        while (await DelayAsync(NextBeatDelay(), ct))
        {
            await BeatAsync(ct);
            if (_options.ReclaimExpiredLeases && DateTime.UtcNow >= nextReclaim)
            {
                await ReclaimAsync(ct);
                nextReclaim = DateTime.UtcNow + _options.ReclaimInterval;
            }
        }
    }

    // Leases are extended at a third of their timeout, so two missed beats still leave the lease alive.
    private TimeSpan NextBeatDelay()
    {
        var delay = _options.HeartbeatInterval;
        foreach (var running in _running.Values)
        {
            if (running.Registration.Options.HeartbeatWhileRunning)
            {
                delay = Min(delay, running.Job.LeaseTimeout / 3);
            }
        }

        return delay < _minBeat ? _minBeat : delay;
    }

    /// <summary>Upserts the worker row (learning drain and intake), then extends the held leases.</summary>
    private async Task BeatAsync(CancellationToken ct)
    {
        try
        {
            var state = StateFor(_signals);
            var signals = await _registry.HeartbeatAsync(_identity, state, _running.Count, ct);
            if (signals != _signals)
            {
                LogSignals(_signals, signals);
                _signals = signals;
                if (StateFor(signals) != state)
                {
                    await _registry.HeartbeatAsync(_identity, StateFor(signals), _running.Count, ct);
                }
            }

            var held = _running.Values.Where(r => r.Registration.Options.HeartbeatWhileRunning && !r.Finishing).ToList();
            var lost = await _claims.HeartbeatAsync([.. held.Select(r => r.Job.Lease)], ct);
            foreach (var lease in lost)
            {
                if (_running.TryGetValue(lease.JobId, out var running) && running.Job.LeaseToken == lease.Token && !running.Finishing)
                {
                    running.MarkLeaseLost();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (IsDatabaseError(ex))
        {
            LogDatabaseError(ex, "heartbeating", NextBeatDelay());
        }
    }

    private string StateFor(WorkerSignals signals) =>
        _stopping.IsCancellationRequested || signals.ShouldDrain ? WorkerStates.Draining : WorkerStates.Running;

    private async Task ReclaimAsync(CancellationToken ct)
    {
        try
        {
            var reclaimed = await _claims.ReclaimExpiredAsync(100, ct);
            foreach (var job in reclaimed)
            {
                LogReclaimed(job.Id, job.Kind, job.PreviousHolder, job.State);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (IsDatabaseError(ex))
        {
            LogDatabaseError(ex, "reclaiming expired leases", _options.ReclaimInterval);
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool IsDatabaseError(Exception ex) => ex is DbException or TimeoutException or IOException;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed class RunningJob(ClaimedJob job, JobHandlerRegistration registration) : IDisposable
    {
        public ClaimedJob Job { get; } = job;

        public JobHandlerRegistration Registration { get; } = registration;

        public CancellationTokenSource LeaseLost { get; } = new();

        public Task Completion { get; set; } = Task.CompletedTask;

        /// <summary>The handler returned; the outcome is being written, so heartbeats no longer matter.</summary>
        public volatile bool Finishing;

        public void MarkLeaseLost()
        {
            try
            {
                LeaseLost.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The job already finished.
            }
        }

        public void Dispose() => LeaseLost.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Worker {WorkerId} started: kinds {Kinds}, concurrency {Concurrency}")]
    private partial void LogStarted(string workerId, string kinds, int concurrency);

    [LoggerMessage(LogLevel.Warning, "Database error while {Activity}; retrying in {Delay}")]
    private partial void LogDatabaseError(Exception ex, string activity, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} ({Kind}): the lease moved on (released or reclaimed); its handler was stopped and its result dropped")]
    private partial void LogLeaseLost(long jobId, string kind);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} ({Kind}): {What} refused, the lease moved on (released or reclaimed); the job runs under its new lease")]
    private partial void LogRefused(string what, long jobId, string kind);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} ({Kind}): outcome not recorded (database error); the lease will expire and the job run again")]
    private partial void LogOutcomeLost(Exception ex, long jobId, string kind);

    [LoggerMessage(LogLevel.Information, "Job {JobId} ({Kind}) attempt {Attempt}/{MaxAttempts} failed: {Error}; now {State}, due {RunAt:o}")]
    private partial void LogFailed(long jobId, string kind, int attempt, int maxAttempts, string error, string state, DateTime? runAt);

    [LoggerMessage(LogLevel.Information, "Job {JobId} ({Kind}) released: {Why}")]
    private partial void LogReleased(long jobId, string kind, string why);

    [LoggerMessage(LogLevel.Information, "Stopping: no more claims; {Count} jobs in flight get up to {Budget} to finish")]
    private partial void LogStopping(int count, TimeSpan budget);

    [LoggerMessage(LogLevel.Warning, "Shutdown budget spent with {Count} jobs in flight; cancelling and releasing them")]
    private partial void LogBudgetSpent(int count);

    [LoggerMessage(LogLevel.Information, "Worker {WorkerId} stopped after completing {Completed} jobs")]
    private partial void LogStopped(string workerId, long completed);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} ({Kind}) reclaimed from {PreviousHolder}: lease expired; now {State}")]
    private partial void LogReclaimed(long jobId, string kind, string? previousHolder, string state);

    private void LogSignals(WorkerSignals previous, WorkerSignals current)
    {
        if (current.DrainRequested && !previous.DrainRequested)
        {
            _logger.LogInformation("Drain requested for {WorkerId}: claiming nothing until resumed", _identity.Id);
        }

        if (!current.Accepting && previous.Accepting)
        {
            _logger.LogInformation("Intake is paused: claiming nothing until resumed");
        }

        if (!current.ShouldDrain && previous.ShouldDrain)
        {
            _logger.LogInformation("Resumed: claiming again");
        }
    }
}
