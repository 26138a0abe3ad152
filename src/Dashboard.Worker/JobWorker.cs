using Dashboard.Core.Claims;
using Dashboard.Core.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Worker;

/// <summary>
/// The reference worker's lifecycle: registers (retrying with backoff while the database is unreachable), then runs
/// its parts until stopped, and on stop claims nothing more, lets in-flight jobs finish within the shutdown budget,
/// releases the rest with their checkpoint and marks itself stopped. The parts, each in its own file:
/// <see cref="ClaimScheduler"/> (the polling loop and slot accounting), <see cref="JobRunner"/> (running handlers,
/// mapping outcomes, shutdown draining), <see cref="LeaseKeeper"/> (heartbeats, signals, reclaiming expired leases),
/// over the SQL contract in <see cref="JobClaims"/> and <see cref="WorkerRegistry"/>.
/// </summary>
public sealed class JobWorker : BackgroundService
{
    private readonly WorkerRegistry _registry;
    private readonly JobWorkerOptions _options;
    private readonly WorkerIdentity _identity;
    private readonly WorkerLog _log;
    private readonly InFlightJobs _inFlight;
    private readonly JobRunner _runner;
    private readonly ClaimScheduler _scheduler;
    private readonly LeaseKeeper _keeper;

    public JobWorker(JobClaims claims, WorkerRegistry registry, IOptions<JobWorkerOptions> options, ILogger<JobWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _registry = registry;
        _options = options.Value;
        _identity = WorkerIdentity.ForThisProcess([.. _options.Handlers.Keys.Order(StringComparer.Ordinal)], _options.Concurrency, _options.WorkerId);
        _log = new WorkerLog(logger, _identity.Id);
        _inFlight = new InFlightJobs(_options.Concurrency);
        _runner = new JobRunner(claims, _options, _identity.Id, _inFlight, _log);
        _scheduler = new ClaimScheduler(claims, _options, _identity, _inFlight, _runner, _log);
        _keeper = new LeaseKeeper(claims, registry, _options, _identity, _inFlight, _log);
    }

    /// <summary>This worker's identity (<c>host:pid</c> unless configured).</summary>
    public string WorkerId => _identity.Id;

    /// <summary>How many claim statements this worker has run (diagnostics, tests).</summary>
    public long ClaimCycles => _scheduler.ClaimCycles;

    /// <summary>How many jobs this worker completed (completion accepted by the database).</summary>
    public long CompletedCount => _runner.CompletedCount;

    public override void Dispose()
    {
        _runner.Dispose();
        _inFlight.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var signals = await RegisterAsync(stoppingToken);
        if (signals is null)
        {
            return;
        }

        _runner.Begin(stoppingToken);
        _keeper.Begin(signals, stoppingToken);
        using var stopBeats = new CancellationTokenSource();
        var beats = _keeper.RunAsync(stopBeats.Token);
        try
        {
            await _scheduler.RunAsync(stoppingToken);
        }
        finally
        {
            _log.Stopping(_inFlight.Count, _options.ShutdownBudget);
            await _keeper.BeatAsync(CancellationToken.None);
            await _runner.DrainAsync();
            await stopBeats.CancelAsync();
            await beats;
            await MarkStoppedAsync();
        }
    }

    /// <summary>Registers the worker row; null when stopped before the database answered.</summary>
    private async Task<WorkerSignals?> RegisterAsync(CancellationToken ct)
    {
        var delay = WorkerTimings.FirstRegisterRetry;
        while (true)
        {
            try
            {
                var signals = await _registry.RegisterAsync(_identity, ct);
                _log.Started(_identity.Id, string.Join(", ", _identity.Kinds), _identity.Concurrency);
                return signals;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
            {
                _log.DatabaseError(ex, "registering", delay);
                if (!await WorkerTimings.DelayAsync(delay, ct))
                {
                    return null;
                }

                delay = WorkerTimings.Min(delay * WorkerTimings.RegisterBackoffFactor, WorkerTimings.MaxRegisterRetry);
            }
        }
    }

    private async Task MarkStoppedAsync()
    {
        try
        {
            await _registry.MarkStoppedAsync(_identity.Id, CancellationToken.None);
            _log.Stopped(_identity.Id, CompletedCount);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            _log.DatabaseError(ex, "marking the worker stopped", TimeSpan.Zero);
        }
    }
}
