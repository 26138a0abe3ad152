using Dapper;
using Dashboard.Core.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Core.Changes;

/// <summary>
/// The one listener of this app instance: holds a connection that LISTENs on <see cref="DashboardOptions.ChangeChannel"/>
/// and wakes the <see cref="SnapshotLoop"/> on every notification, so an operator's change to a control table shows at
/// once instead of at the next tick. When the connection is lost it wakes the loop (which then reports the outage),
/// backs off and reconnects; after every (re)connect it wakes the loop again, because notifications sent while nobody
/// listened are gone. It never stops the app: every failure is logged and retried.
/// </summary>
public sealed class ChangeListener(SnapshotLoop loop, IOptions<DashboardOptions> options, ILogger<ChangeListener> logger)
    : BackgroundService
{
    private static readonly TimeSpan _firstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan _maxRetryDelay = TimeSpan.FromSeconds(5);

    // An idle connection can die without a word (a dropped network path, a failover behind a proxy): when nothing
    // arrived for this long, a round trip proves the connection still delivers notifications.
    private static readonly TimeSpan _probeInterval = TimeSpan.FromSeconds(30);
    private const int ProbeTimeoutSeconds = 10;

    private volatile bool _listening;

    /// <summary>True while the connection is open and LISTENing.</summary>
    public bool IsListening => _listening;

    /// <summary>Raised with true after every successful LISTEN and with false when that connection is lost.</summary>
    public event Action<bool>? ListeningChanged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        // Not from the app's pool: this connection lives as long as the app, and a LISTENing session must not be
        // handed to other code; a fresh physical connection per attempt also never starts from a stale one.
        var connectionString = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false }.ConnectionString;
        var listenSql = $"LISTEN {QuoteIdentifier(settings.ChangeChannel)}";
        var retryDelay = _firstRetryDelay;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = new NpgsqlConnection(connectionString);
                conn.Notification += OnNotification;
                await conn.OpenAsync(stoppingToken);
                await conn.ExecuteAsync(new CommandDefinition(listenSql, commandTimeout: ProbeTimeoutSeconds, cancellationToken: stoppingToken));
                retryDelay = _firstRetryDelay;
                failures = 0;
                // Resync: whatever changed while nobody listened is read now.
                loop.Wake();
                SetListening(true);
                logger.LogInformation("Listening for changes on channel {Channel}", settings.ChangeChannel);
                while (true)
                {
                    if (!await conn.WaitAsync(_probeInterval, stoppingToken))
                    {
                        await conn.ExecuteAsync(new CommandDefinition("SELECT 1", commandTimeout: ProbeTimeoutSeconds, cancellationToken: stoppingToken));
                    }
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                if (_listening)
                {
                    SetListening(false);
                    logger.LogWarning("Change listener lost its connection, reconnecting: {Reason}", DatabaseErrors.Describe(ex));
                    // Let the loop find out now rather than at its next tick, so viewers see the outage at once.
                    loop.Wake();
                }
                else if (failures++ == 0)
                {
                    logger.LogWarning("Change listener cannot connect, retrying: {Reason}", DatabaseErrors.Describe(ex));
                }
                else
                {
                    logger.LogDebug("Change listener still cannot connect: {Reason}", DatabaseErrors.Describe(ex));
                }
            }

            try
            {
                await Task.Delay(retryDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retryDelay = retryDelay * 2 < _maxRetryDelay ? retryDelay * 2 : _maxRetryDelay;
        }

        SetListening(false);
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        logger.LogDebug("Change notified on {Channel}: {Payload}", e.Channel, e.Payload);
        loop.Wake();
    }

    private void SetListening(bool listening)
    {
        if (_listening == listening)
        {
            return;
        }

        _listening = listening;
        try
        {
            ListeningChanged?.Invoke(listening);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A ListeningChanged handler failed");
        }
    }

    // LISTEN takes an identifier, not a parameter: quote it so any configured name is taken literally.
    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
