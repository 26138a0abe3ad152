using Dashboard.Core.Actions;
using Dashboard.Core.Database;
using Dashboard.Core.Singletons;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Kinds;

/// <summary>
/// Lifts kind pauses whose expiry has passed, through the audited action path (actor "system"). Runs on one app
/// instance at a time (<see cref="SingletonService"/>); the action itself is a guarded update, so each expired
/// pause is lifted once even if two instances overlapped during a takeover.
/// </summary>
public sealed class PauseExpiryLoop(
    IOperatorActions actions,
    SingletonLocks locks,
    IOptions<DashboardOptions> options,
    ILogger<PauseExpiryLoop> logger) : SingletonService(locks, options, logger)
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(5);

    public override string WorkName => "pause-expiry";

    protected override async Task RunAsLeaderAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            try
            {
                foreach (var result in await actions.ExpirePausesAsync(ct).ConfigureAwait(false))
                {
                    Logger.LogInformation("Pause expired: {Outcome} {Message}", result.Outcome, result.Message);
                }
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
            {
                // The snapshot loop reports the outage; try again next tick.
                Logger.LogDebug(ex, "Pause expiry skipped: database unreachable");
            }
        }
    }
}
