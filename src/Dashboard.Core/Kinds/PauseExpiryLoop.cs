using Dashboard.Core.Actions;
using Dashboard.Core.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dashboard.Core.Kinds;

/// <summary>
/// Lifts kind pauses whose expiry has passed, through the audited action path (actor "system"). Safe with several
/// app instances: each expired pause is lifted once.
/// </summary>
public sealed class PauseExpiryLoop(IOperatorActions actions, ILogger<PauseExpiryLoop> logger) : BackgroundService
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                foreach (var result in await actions.ExpirePausesAsync(stoppingToken).ConfigureAwait(false))
                {
                    logger.LogInformation("Pause expired: {Outcome} {Message}", result.Outcome, result.Message);
                }
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
            {
                // The snapshot loop reports the outage; try again next tick.
                logger.LogDebug(ex, "Pause expiry skipped: database unreachable");
            }
        }
    }
}
