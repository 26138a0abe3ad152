using System.Collections.Concurrent;
using System.Data;
using Dapper;
using Dashboard.Core.Database;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Changes.SnapshotRows;

namespace Dashboard.Core.Changes;

/// <summary>Which leases a viewer asked for. Empty values mean "any".</summary>
public sealed record LeaseFilter(string? Kind = null, string? Worker = null, bool StuckOnly = false)
{
    public bool IsEmpty => Kind is null && Worker is null && !StuckOnly;
}

/// <summary>Which workers a viewer asked for: id containing <paramref name="Search"/>, holding leases of <paramref name="Kind"/>, with stuck leases.</summary>
public sealed record WorkerFilter(string? Search = null, string? Kind = null, bool StuckOnly = false)
{
    public bool IsEmpty => Search is null && Kind is null && !StuckOnly;
}

/// <summary>One page of a list read on the server, and how many items the whole filtered list has.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, long Total, int Offset, int Limit, DateTimeOffset ReadAt);

/// <summary>The processing and worker lists beyond the snapshot's first page, filtered and paged on the server.</summary>
public interface IListQueries
{
    /// <summary>One page of the processing jobs matching <paramref name="filter"/>, stuck ones first.</summary>
    Task<ListPage<ProcessingJob>> GetLeasesAsync(LeaseFilter filter, int offset, int limit, CancellationToken ct);

    /// <summary>One page of the workers (and unregistered lease holders) matching <paramref name="filter"/>, biggest holders first.</summary>
    Task<ListPage<WorkerStatus>> GetWorkersAsync(WorkerFilter filter, int offset, int limit, CancellationToken ct);
}

/// <summary>
/// <see cref="IListQueries"/> on the database. A result is shared by every viewer of this instance for one snapshot
/// interval, so many viewers on the same view cost at most one query per tick.
/// </summary>
public sealed class ListQueries(Db db, IOptions<DashboardOptions> options, TimeProvider time) : IListQueries
{
    private const int MaxCached = 256;

    private readonly ConcurrentDictionary<object, Lazy<Task<(object Page, DateTimeOffset At)>>> _cache = new();

    public async Task<ListPage<ProcessingJob>> GetLeasesAsync(LeaseFilter filter, int offset, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Check(offset, limit);
        // The read is shared with other viewers, so one viewer leaving does not cancel it; the statement timeout bounds it.
        ct.ThrowIfCancellationRequested();
        var page = await SharedAsync(("leases", filter, offset, limit), async () =>
        {
            var parameters = new { filter.Kind, filter.Worker, filter.StuckOnly, Limit = limit, Offset = offset };
            return await ReadAsync(ListSql.LeaseCount + ListSql.LeasePage, parameters, async grid =>
            {
                var total = await grid.ReadSingleAsync<long>();
                var items = (await grid.ReadAsync<ProcessingRow>()).Select(r => r.ToModel()).ToList();
                return new ListPage<ProcessingJob>(items, total, offset, limit, time.GetUtcNow());
            }, CancellationToken.None);
        });
        return (ListPage<ProcessingJob>)page;
    }

    public async Task<ListPage<WorkerStatus>> GetWorkersAsync(WorkerFilter filter, int offset, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Check(offset, limit);
        // The read is shared with other viewers, so one viewer leaving does not cancel it; the statement timeout bounds it.
        ct.ThrowIfCancellationRequested();
        var page = await SharedAsync(("workers", filter, offset, limit), async () =>
        {
            var parameters = new
            {
                filter.Search,
                filter.Kind,
                filter.StuckOnly,
                options.Value.WorkerStaleAfter,
                Limit = limit,
                Offset = offset,
            };
            return await ReadAsync(ListSql.WorkerCount + ListSql.WorkerPage, parameters, async grid =>
            {
                var total = await grid.ReadSingleAsync<long>();
                var items = (await grid.ReadAsync<WorkerRow>()).Select(r => r.ToModel()).ToList();
                return new ListPage<WorkerStatus>(items, total, offset, limit, time.GetUtcNow());
            }, CancellationToken.None);
        });
        return (ListPage<WorkerStatus>)page;
    }

    private static void Check(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 500);
    }

    // One read per key per snapshot interval, however many viewers ask; a failed read is not kept.
    private async Task<object> SharedAsync(object key, Func<Task<object>> read)
    {
        var ttl = options.Value.SnapshotInterval;
        while (true)
        {
            var entry = _cache.GetOrAdd(key, _ => new Lazy<Task<(object, DateTimeOffset)>>(async () => (await read(), time.GetUtcNow())));
            try
            {
                var (page, at) = await entry.Value;
                if (time.GetUtcNow() - at < ttl)
                {
                    return page;
                }
            }
            catch
            {
                _cache.TryRemove(new KeyValuePair<object, Lazy<Task<(object, DateTimeOffset)>>>(key, entry));
                throw;
            }

            _cache.TryRemove(new KeyValuePair<object, Lazy<Task<(object, DateTimeOffset)>>>(key, entry));
            if (_cache.Count > MaxCached)
            {
                _cache.Clear();
            }
        }
    }

    private async Task<object> ReadAsync<T>(string sql, object parameters, Func<SqlMapper.GridReader, Task<T>> map, CancellationToken ct)
        where T : class
    {
        var settings = options.Value;
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(int)settings.StatementTimeout.TotalMilliseconds}",
            transaction: tx, cancellationToken: ct));
        await using var grid = await conn.QueryMultipleAsync(new CommandDefinition(sql, parameters, tx, cancellationToken: ct));
        var result = await map(grid);
        await tx.CommitAsync(ct);
        return result;
    }
}
