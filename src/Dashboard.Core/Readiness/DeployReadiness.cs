using Microsoft.Extensions.Options;

namespace Dashboard.Core.Readiness;

/// <summary>The deploy-readiness report for a grace period, as pages read it.</summary>
public interface IDeployReadiness
{
    /// <summary>Every running job's verdict for <paramref name="grace"/>. Throws when the database is unreachable.</summary>
    Task<ReadinessReport> GetAsync(TimeSpan grace, CancellationToken ct);
}

/// <summary>
/// Shares reports per instance: viewers asking for the same grace period within one snapshot interval share one
/// query (and one in flight), so many open drain views cost at most one query per grace period per tick.
/// </summary>
public sealed class DeployReadiness(ReadinessQueries queries, IOptions<DashboardOptions> options, TimeProvider clock) : IDeployReadiness
{
    private const int MaxEntries = 32;
    private readonly Lock _lock = new();
    private readonly Dictionary<TimeSpan, (DateTimeOffset At, Task<ReadinessReport> Report)> _recent = [];

    public Task<ReadinessReport> GetAsync(TimeSpan grace, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        Task<ReadinessReport> report;
        lock (_lock)
        {
            if (_recent.TryGetValue(grace, out var entry) && now - entry.At < options.Value.SnapshotInterval
                && !entry.Report.IsFaulted && !entry.Report.IsCanceled)
            {
                return entry.Report.WaitAsync(ct);
            }

            if (_recent.Count >= MaxEntries)
            {
                _recent.Remove(_recent.MinBy(e => e.Value.At).Key);
            }

            // Not the caller's token: the query is shared, one viewer leaving must not cancel it for the others.
            report = queries.GetReportAsync(grace, ReadinessQueries.DefaultListLimit, CancellationToken.None);
            _recent[grace] = (now, report);
        }

        return report.WaitAsync(ct);
    }
}
