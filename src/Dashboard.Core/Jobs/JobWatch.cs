using System.Collections.Concurrent;

namespace Dashboard.Core.Jobs;

/// <summary>
/// Shares the explorer's reads among everyone watching on this instance: however many pages show job 42 or the same
/// filtered list, the database sees at most one read of it per <see cref="MaxAge"/>. Open pages refresh through it on
/// every change of the instance's feed, so viewers do not multiply database work.
/// </summary>
public sealed class JobWatch(JobQueries queries, Bulk.BulkOperationQueries bulk, TimeProvider clock)
{
    /// <summary>How old a shared read may be.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(500);

    private readonly Shared<long, JobDetail?> _jobs = new(clock);
    private readonly Shared<(JobFilter, long?, int), JobListPage> _pages = new(clock);
    private readonly Shared<JobFilter, JobCount> _counts = new(clock);
    private readonly Shared<int, IReadOnlyList<Bulk.BulkOperation>> _bulk = new(clock);

    /// <summary>How many finished bulk operations <see cref="ListBulkAsync"/> shows beside the running ones.</summary>
    public const int FinishedBulkShown = 5;

    /// <summary>The job as read at most <see cref="MaxAge"/> ago (read now when older); null when it does not exist.</summary>
    public Task<JobDetail?> GetAsync(long id, CancellationToken ct) =>
        _jobs.GetAsync(id, () => queries.GetAsync(id, CancellationToken.None), ct);

    /// <summary>A page of <see cref="JobQueries.ListAsync"/>, shared the same way.</summary>
    public Task<JobListPage> ListAsync(JobFilter filter, long? afterId, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        return _pages.GetAsync((filter, afterId, limit), () => queries.ListAsync(filter, afterId, limit, CancellationToken.None), ct);
    }

    /// <summary><see cref="JobQueries.CountAsync"/>, shared the same way.</summary>
    public Task<JobCount> CountAsync(JobFilter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        return _counts.GetAsync(filter, () => queries.CountAsync(filter, CancellationToken.None), ct);
    }

    /// <summary>The running bulk operations and the latest finished ones, shared the same way.</summary>
    public Task<IReadOnlyList<Bulk.BulkOperation>> ListBulkAsync(CancellationToken ct) =>
        _bulk.GetAsync(0, () => bulk.ListRecentAsync(FinishedBulkShown, CancellationToken.None), ct);

    /// <summary>Forgets every shared read, e.g. right after an action changed jobs.</summary>
    public void Invalidate()
    {
        _jobs.Clear();
        _pages.Clear();
        _counts.Clear();
        _bulk.Clear();
    }

    private sealed class Shared<TKey, TValue>(TimeProvider clock)
        where TKey : notnull
    {
        private readonly ConcurrentDictionary<TKey, (DateTimeOffset ReadAt, Task<TValue> Read)> _entries = new();

        public Task<TValue> GetAsync(TKey key, Func<Task<TValue>> read, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            foreach (var (old, entry) in _entries)
            {
                if (now - entry.ReadAt > TimeSpan.FromMinutes(1))
                {
                    _entries.TryRemove(old, out _);
                }
            }

            var current = _entries.AddOrUpdate(
                key,
                _ => (now, read()),
                (_, existing) => now - existing.ReadAt <= MaxAge && !existing.Read.IsFaulted && !existing.Read.IsCanceled
                    ? existing
                    : (now, read()));
            return current.Read.WaitAsync(ct);
        }

        public void Clear() => _entries.Clear();
    }
}
