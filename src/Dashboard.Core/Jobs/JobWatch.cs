using System.Collections.Concurrent;

namespace Dashboard.Core.Jobs;

/// <summary>
/// Shares the explorer's reads among everyone watching on this instance: however many pages show job 42 or the same
/// filtered list, the database sees at most one read of it per <see cref="MaxAge"/>. Open pages refresh through it on
/// every change of the instance's feed, so viewers do not multiply database work. A list read again that has not
/// changed is handed back as the same instance, so a page that shows it knows without comparing that there is nothing
/// to draw.
/// </summary>
public sealed class JobWatch(JobQueries queries, Bulk.BulkOperationQueries bulk, TimeProvider clock)
{
    /// <summary>How old a shared read may be.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(500);

    private readonly Shared<long, JobDetail?> _jobs = new(clock);
    private readonly Shared<(JobFilter, long?, int), JobListPage> _pages = new(clock, SamePage);
    private readonly Shared<JobFilter, JobCount> _counts = new(clock, (a, b) => a == b);
    private readonly Shared<int, IReadOnlyList<Bulk.BulkOperation>> _bulk = new(clock, (a, b) => a.SequenceEqual(b));

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

    private static bool SamePage(JobListPage a, JobListPage b) => a.NextAfterId == b.NextAfterId && a.Jobs.SequenceEqual(b.Jobs);

    // One read per key and MaxAge; same: whether a new read shows what the last one did (then the last is handed back).
    private sealed class Shared<TKey, TValue>(TimeProvider clock, Func<TValue, TValue, bool>? same = null)
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
                    : (now, ReadAgain(existing.Read, read)));
            return current.Read.WaitAsync(ct);
        }

        private Task<TValue> ReadAgain(Task<TValue> last, Func<Task<TValue>> read) =>
            same is null || !last.IsCompletedSuccessfully ? read() : KeepIfSameAsync(last.Result, read());

        private async Task<TValue> KeepIfSameAsync(TValue last, Task<TValue> reading)
        {
            var value = await reading;
            return same!(last, value) ? last : value;
        }

        public void Clear() => _entries.Clear();
    }
}
