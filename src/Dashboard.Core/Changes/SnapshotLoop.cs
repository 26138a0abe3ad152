using Dashboard.Core.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Changes;

/// <summary>
/// The one snapshot loop of this app instance: reads a snapshot every tick, publishes it when something changed,
/// keeps the last one and backs off while the database is unreachable, and resyncs as soon as it returns.
/// </summary>
public sealed class SnapshotLoop(
    SnapshotQueries queries,
    Migrator migrator,
    ChangeFeed feed,
    IOptions<DashboardOptions> options,
    ILogger<SnapshotLoop> logger) : BackgroundService
{
    private static readonly TimeSpan _maxBackoff = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Lock _tickGate = new();
    private TaskCompletionSource _nextTick = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _migrated;

    /// <summary>Runs the next tick now instead of at the end of the interval (for changes known to matter).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
        catch (ObjectDisposedException)
        {
            // The app is stopping.
        }
    }

    /// <summary>
    /// Wakes the running loop and completes once a tick that began after this call has finished, so the feed then
    /// reflects every change committed before the call (or reports why it could not be read). Use it after a change
    /// that must show at once; canceled when the loop stops.
    /// </summary>
    public Task RefreshAsync(CancellationToken ct = default)
    {
        Task next;
        lock (_tickGate)
        {
            // Taken together with the wake-up: the tick that completes this task starts after both.
            next = _nextTick.Task;
            Wake();
        }

        return next.WaitAsync(ct);
    }

    /// <summary>Reads one snapshot and publishes it if it differs from the last; returns false when the read failed.</summary>
    public async Task<bool> TickAsync(CancellationToken ct)
    {
        try
        {
            if (!_migrated && options.Value.MigrateOnStart)
            {
                // At start the database may be down; the console starts anyway and migrates once it is reachable.
                await migrator.MigrateAsync(ct);
            }

            _migrated = true;
            var current = feed.Current;
            var snapshot = (await queries.GetAsync(ct)).Reusing(current.Snapshot);
            if (!snapshot.SameAs(current.Snapshot) || !current.IsHealthy)
            {
                await feed.PublishAsync(new FeedState(snapshot, null, null));
            }
            else
            {
                feed.MarkRead(snapshot.TakenAt);
            }

            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && DatabaseErrors.IsUnavailable(ex))
        {
            var current = feed.Current;
            var reason = DatabaseErrors.Describe(ex);
            if (current.Error != reason)
            {
                logger.LogWarning("Snapshot failed: {Reason}", reason);
                await feed.PublishAsync(new FeedState(current.Snapshot, reason, current.ErrorSince ?? DateTimeOffset.UtcNow));
            }

            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = options.Value.SnapshotInterval;
        TaskCompletionSource? running = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                lock (_tickGate)
                {
                    running = _nextTick;
                    _nextTick = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    // This tick reads after every wake-up so far: a pending one would only repeat it.
                    _wake.Wait(0, CancellationToken.None);
                }

                var ok = await TickAsync(stoppingToken);
                running.TrySetResult();
                delay = ok ? options.Value.SnapshotInterval : Min(delay * 2, _maxBackoff);
                await _wake.WaitAsync(delay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            running?.TrySetException(ex);
            throw;
        }
        finally
        {
            running?.TrySetCanceled(CancellationToken.None);
            lock (_tickGate)
            {
                _nextTick.TrySetCanceled(CancellationToken.None);
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

}
