using Dapper;
using Dashboard.Core.Database;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Core.Singletons;

/// <summary>
/// A held singleton lock. <see cref="Lost"/> is canceled when the lock connection fails (the database restarted,
/// the network broke, an administrator ended the session): from then on another instance may hold the lock, so the
/// work must stop. Work done under a lease must still be idempotent, since a lost lease is noticed up to one check
/// interval late.
/// </summary>
public sealed class SingletonLease : IAsyncDisposable
{
    private readonly NpgsqlConnection _conn;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watchdog;
    private readonly ILogger _logger;

    internal SingletonLease(string name, NpgsqlConnection conn, TimeSpan checkInterval, ILogger logger)
    {
        Name = name;
        _conn = conn;
        _logger = logger;
        _watchdog = WatchAsync(checkInterval);
    }

    public string Name { get; }

    /// <summary>Canceled once the lock may be held by someone else.</summary>
    public CancellationToken Lost => _lost.Token;

    private async Task WatchAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(interval * 2);
                await _conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: timeout.Token));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        // Its own probe timeout cancels too: a connection that does not answer within two ticks is as good as lost.
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) || ex is OperationCanceledException)
        {
            _logger.LogWarning("Lost the singleton lock for {Work}: {Reason}", Name, DatabaseErrors.Describe(ex));
        }

        await _lost.CancelAsync();
    }

    /// <summary>Gives the work up: closing the connection releases the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _watchdog;
        }
        catch (OperationCanceledException)
        {
        }

        await _conn.DisposeAsync();
        await _lost.CancelAsync();
        _lost.Dispose();
        _stop.Dispose();
    }
}
