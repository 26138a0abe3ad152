using Dashboard.Core.Alerts;
using Dashboard.Core.History;
using Dashboard.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Core.Tests;

/// <summary>
/// The overview's sparklines and alerts as every viewer of an instance reads them: a read that finds what the last
/// one found hands back the same instance, so an open page has nothing to draw until something changed.
/// </summary>
public sealed class HistoryCacheTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task LastHour_KeepsItsInstance_UntilAPointChanges()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new HistoryCache(new HistoryQueries(db.Db), new AlertStore(db.Db), clock);
        await WriteAsync("cache.a", queued: 5);
        var first = await cache.LastHourAsync(clock.GetUtcNow());
        var firstAlerts = await cache.AlertsAsync();

        clock.Advance(HistoryCache.MaxAge);
        var again = await cache.LastHourAsync(clock.GetUtcNow());
        Assert.Same(first, again);
        Assert.Same(firstAlerts, await cache.AlertsAsync());

        await WriteAsync("cache.a", queued: 6);
        clock.Advance(HistoryCache.MaxAge);
        var changed = await cache.LastHourAsync(clock.GetUtcNow());
        Assert.NotSame(first, changed);
        Assert.Equal(6, changed["cache.a"].Single().Queued);

        await WriteAsync("cache.b", queued: 1);
        clock.Advance(HistoryCache.MaxAge);
        var added = await cache.LastHourAsync(clock.GetUtcNow());
        Assert.NotSame(changed, added);
        Assert.Equal(["cache.a", "cache.b"], added.Keys.Order(StringComparer.Ordinal));
    }

    private Task<int> WriteAsync(string kind, long queued) => db.PsqlAsync("""
        INSERT INTO job_history (kind, bucket, queued) VALUES (@Kind, date_trunc('minute', now()), @Queued)
        ON CONFLICT (kind, bucket) DO UPDATE SET queued = excluded.queued
        """, new { Kind = kind, Queued = queued });
}
