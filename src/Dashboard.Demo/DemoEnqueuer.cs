using System.Globalization;
using Dashboard.Core.Database;
using Dashboard.Core.Demo;
using Dashboard.Core.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Demo;

/// <summary>Adds a trickle of new jobs so the console's counts keep moving: mostly short ones, a few long, rarely a hanging one.</summary>
public sealed class DemoEnqueuer(JobCommands jobs, IOptions<DemoOptions> options, ILogger<DemoEnqueuer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rate = options.Value.EnqueuePerSecond;
        if (rate <= 0)
        {
            return;
        }

        var weighted = DemoData.Kinds
            .Select(k => (Kind: k, Weight: k == DemoHandlers.HangingKind ? 0.05 : DemoHandlers.LongKinds.Contains(k) ? 0.5 : 1.0))
            .ToList();
        var total = weighted.Sum(w => w.Weight);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var pick = Random.Shared.NextDouble() * total;
                var kind = weighted.First(w => (pick -= w.Weight) <= 0 || w == weighted[^1]).Kind;
                var payload = string.Create(CultureInfo.InvariantCulture, $$"""{"n": {{Random.Shared.Next(1, 1_000_000)}}, "source": "demo-trickle"}""");
                try
                {
                    await jobs.EnqueueAsync(kind, payload, ct: stoppingToken);
                }
                catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
                {
                    logger.LogWarning(ex, "Could not enqueue a demo job; trying again next tick");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
