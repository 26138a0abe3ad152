using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Singletons;

/// <summary>
/// Background work that runs on one app instance at a time. Every instance runs this service; each tries to take
/// the lock named <see cref="WorkName"/> every <see cref="SingletonOptions.RetryInterval"/>, and the one that holds it
/// runs <see cref="RunAsLeaderAsync"/> until the app stops or the lock is lost (then another instance takes over).
/// </summary>
public abstract class SingletonService : BackgroundService
{
    private readonly SingletonLocks _locks;
    private readonly IOptions<DashboardOptions> _options;
    private volatile bool _isLeader;

    protected SingletonService(SingletonLocks locks, IOptions<DashboardOptions> options, ILogger logger)
    {
        _locks = locks;
        _options = options;
        Logger = logger;
    }

    protected ILogger Logger { get; }

    /// <summary>The console's current settings.</summary>
    protected DashboardOptions Settings => _options.Value;

    /// <summary>The lock's name; instances running the same work must use the same name.</summary>
    public abstract string WorkName { get; }

    /// <summary>Whether this instance runs the work now.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>
    /// Does the work while this instance holds the lock; return or throw when <paramref name="ct"/> is canceled. An
    /// exception other than cancellation gives the lock up; the service tries again after the retry interval.
    /// </summary>
    protected abstract Task RunAsLeaderAsync(CancellationToken ct);

    /// <summary>Called after each attempt to take the lock (for diagnostics and tests).</summary>
    protected virtual void OnAttempt(bool acquired)
    {
    }

    /// <summary>False when the work is switched off in the settings: the instance then never takes the lock.</summary>
    protected virtual bool Enabled => true;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var lease = await _locks.TryAcquireAsync(WorkName, stoppingToken);
                OnAttempt(lease is not null);
                if (lease is not null)
                {
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
                    _isLeader = true;
                    try
                    {
                        await RunAsLeaderAsync(linked.Token);
                    }
                    catch (OperationCanceledException) when (linked.IsCancellationRequested)
                    {
                    }
                    finally
                    {
                        _isLeader = false;
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Database unreachable, or the work failed: give the lock up and try again later.
                Logger.LogWarning("{Work} stopped on this instance: {Reason}", WorkName, ex.Message);
            }

            try
            {
                await Task.Delay(_options.Value.Singletons.RetryInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
