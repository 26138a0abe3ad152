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
        Assert.DoesNotContain("cache.b", changed.Keys);
        Assert.Equal(1, added["cache.b"].Single().Queued);
    }

    [Fact]
    public async Task Kind_KeepsItsInstanceAndWindow_WithinAStep_UntilAPointChanges()
    {
        // A kind page open in many tabs rereads its history every few seconds: while nothing moved, each read must be
        // the same instance, with a window that does not creep along with the clock.
        var minute = DateTimeOffset.UtcNow.UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute;
        var clock = new FakeTimeProvider(new DateTimeOffset(minute, TimeSpan.Zero).AddSeconds(10));
        var cache = new HistoryCache(new HistoryQueries(db.Db), new AlertStore(db.Db), clock);
        var kind = $"cache.kind.{Guid.NewGuid():N}";
        await WriteAsync(kind, queued: 5);
        var first = await cache.KindAsync(kind, HistoryRange.Hour, clock.GetUtcNow());
        Assert.Equal(new DateTimeOffset(minute, TimeSpan.Zero).AddMinutes(1), first.To);
        Assert.Equal(first.To.AddHours(-1), first.From);
        Assert.Equal(5, first.Points.Single().Queued);

        clock.Advance(HistoryCache.MaxAge);
        Assert.Same(first, await cache.KindAsync(kind, HistoryRange.Hour, clock.GetUtcNow()));

        await WriteAsync(kind, queued: 6);
        clock.Advance(HistoryCache.MaxAge);
        var changed = await cache.KindAsync(kind, HistoryRange.Hour, clock.GetUtcNow());
        Assert.NotSame(first, changed);
        Assert.Equal((first.From, first.To), (changed.From, changed.To));

        clock.Advance(TimeSpan.FromMinutes(1));
        var later = await cache.KindAsync(kind, HistoryRange.Hour, clock.GetUtcNow());
        Assert.Equal(changed.To.AddMinutes(1), later.To);
    }

    private Task<int> WriteAsync(string kind, long queued) => db.PsqlAsync("""
        INSERT INTO job_history (kind, bucket, queued) VALUES (@Kind, date_trunc('minute', now()), @Queued)
        ON CONFLICT (kind, bucket) DO UPDATE SET queued = excluded.queued
        """, new { Kind = kind, Queued = queued });
}
