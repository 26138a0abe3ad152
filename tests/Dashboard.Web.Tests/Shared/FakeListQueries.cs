using Dashboard.Core.Changes;

namespace Dashboard.Web.Tests.Shared;

/// <summary>Serves lists from memory, filtered like the database does, and records what was asked.</summary>
public sealed class FakeListQueries : IListQueries
{
    public List<ProcessingJob> Leases { get; } = [];

    public List<WorkerStatus> Workers { get; } = [];

    public List<LeaseFilter> LeaseRequests { get; } = [];

    /// <summary>While set, a read of leases answers only when the test completes it, with what there was when it began (a slow database).</summary>
    public TaskCompletionSource? Hold { get; set; }

    public async Task<ListPage<ProcessingJob>> GetLeasesAsync(LeaseFilter filter, int offset, int limit, CancellationToken ct)
    {
        LeaseRequests.Add(filter);
        var matching = Leases
            .Where(l => (filter.Kind is null || l.Kind == filter.Kind) && (filter.Worker is null || l.LeasedBy == filter.Worker) && (!filter.StuckOnly || l.IsStuck))
            .ToList();
        var page = new ListPage<ProcessingJob>([.. matching.Skip(offset).Take(limit)], matching.Count, offset, limit, Snapshots.Now);
        if (Hold is { } hold)
        {
            await hold.Task;
        }

        return page;
    }

    public Task<ListPage<WorkerStatus>> GetWorkersAsync(WorkerFilter filter, int offset, int limit, CancellationToken ct)
    {
        var matching = Workers
            .Where(w => (filter.Search is null || w.Id.Contains(filter.Search, StringComparison.OrdinalIgnoreCase)) && (!filter.StuckOnly || w.Stuck > 0))
            .ToList();
        return Task.FromResult(new ListPage<WorkerStatus>([.. matching.Skip(offset).Take(limit)], matching.Count, offset, limit, Snapshots.Now));
    }
}
