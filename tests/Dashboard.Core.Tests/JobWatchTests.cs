using Dashboard.Core.Bulk;
using Dashboard.Core.Jobs;
using Dashboard.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Core.Tests;

/// <summary>
/// The explorer's shared reads on real PostgreSQL: a page or count read again that shows what the last read showed is
/// the same instance, so the jobs list in every open tab has nothing to draw until a job on it changed.
/// </summary>
public sealed class JobWatchTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task List_KeepsItsInstance_UntilAJobOnItChanges()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var watch = new JobWatch(new JobQueries(db.Db), new BulkOperationQueries(db.Db), clock);
        var filter = new JobFilter { Kind = $"watch.{Guid.NewGuid():N}" };
        var id = await db.ScalarAsync<long>("INSERT INTO jobs (kind, state) VALUES (@Kind, 'queued') RETURNING id", new { filter.Kind });
        await db.PsqlAsync("INSERT INTO jobs (kind, state) VALUES (@Kind, 'failed')", new { filter.Kind });

        var first = await watch.ListAsync(filter, null, 50, CancellationToken.None);
        var firstCount = await watch.CountAsync(filter, CancellationToken.None);
        Assert.Equal(2, first.Jobs.Count);

        clock.Advance(JobWatch.MaxAge + TimeSpan.FromMilliseconds(1));
        Assert.Same(first, await watch.ListAsync(filter, null, 50, CancellationToken.None));
        Assert.Same(firstCount, await watch.CountAsync(filter, CancellationToken.None));

        await db.PsqlAsync("UPDATE jobs SET state = 'processing', leased_by = 'w:1', leased_at = now() WHERE id = @Id", new { Id = id });
        clock.Advance(JobWatch.MaxAge + TimeSpan.FromMilliseconds(1));
        var changed = await watch.ListAsync(filter, null, 50, CancellationToken.None);
        Assert.NotSame(first, changed);
        Assert.Equal("processing", changed.Jobs.Single(j => j.Id == id).State);
        Assert.Same(firstCount, await watch.CountAsync(filter, CancellationToken.None));

        await db.PsqlAsync("INSERT INTO jobs (kind, state) VALUES (@Kind, 'queued')", new { filter.Kind });
        clock.Advance(JobWatch.MaxAge + TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, (await watch.ListAsync(filter, null, 50, CancellationToken.None)).Jobs.Count);
        Assert.Equal(3, (await watch.CountAsync(filter, CancellationToken.None)).Value);
    }
}
