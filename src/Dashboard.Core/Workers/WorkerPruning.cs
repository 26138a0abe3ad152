using Dapper;
using Dashboard.Core.Database;
using Dashboard.Core.Singletons;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Workers;

/// <summary>
/// Deletes the rows of workers that stopped more than <see cref="DashboardOptions.StoppedWorkerRetention"/> ago:
/// identities are <c>host:pid</c>, so a stopped one never comes back and its row would otherwise be read on every
/// snapshot forever. Runs on one app instance at a time, every <see cref="Interval"/>.
/// </summary>
public sealed class WorkerPruning(
    Db db,
    SingletonLocks locks,
    IOptions<DashboardOptions> options,
    ILogger<WorkerPruning> logger) : SingletonService(locks, options, logger)
{
    private readonly TimeSpan _retention = options.Value.StoppedWorkerRetention;

    /// <summary>How often the pruning runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private const string PruneSql = """
        DELETE FROM workers
        WHERE state = 'stopped' AND stopped_at < now() - @Retention
        """;

    public override string WorkName => "worker-pruning";

    /// <summary>Deletes stopped workers' rows older than the retention; returns how many.</summary>
    public async Task<int> PruneAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(PruneSql, new { Retention = _retention }, cancellationToken: ct));
    }

    protected override async Task RunAsLeaderAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var pruned = await PruneAsync(ct);
                if (pruned > 0)
                {
                    Logger.LogInformation("Pruned {Count} stopped workers' rows", pruned);
                }
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
            {
                Logger.LogDebug(ex, "Worker pruning skipped: {Reason}", DatabaseErrors.Describe(ex));
            }
        }
        while (await timer.WaitForNextTickAsync(ct));
    }
}
