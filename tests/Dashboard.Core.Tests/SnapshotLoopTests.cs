using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Core.Tests;

public sealed class SnapshotLoopTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private static (SnapshotLoop Loop, ChangeFeed Feed) Create(Db target)
    {
        var options = Options.Create(new DashboardOptions());
        var feed = new ChangeFeed();
        var loop = new SnapshotLoop(new SnapshotQueries(target, options), new Migrator(target), feed, options, NullLogger<SnapshotLoop>.Instance);
        return (loop, feed);
    }

    [Fact]
    public async Task Tick_PublishesOnlyWhenSomethingChanged()
    {
        var (loop, feed) = Create(db.Db);
        var published = 0;
        using var subscription = feed.Subscribe(_ =>
        {
            published++;
            return Task.CompletedTask;
        });

        await loop.TickAsync(CancellationToken.None);
        await loop.TickAsync(CancellationToken.None);
        await db.PsqlAsync("INSERT INTO jobs (kind) VALUES ('tick.test')");
        await loop.TickAsync(CancellationToken.None);

        Assert.Equal(2, published);
        Assert.Equal(1, feed.Current.Snapshot!.Kinds.Single(k => k.Kind == "tick.test").CountOf("queued").Count);
    }

    [Fact]
    public async Task Tick_KeepsWhatDidNotChange_AsTheSameInstances()
    {
        // Viewers compare by reference: a table whose rows are the same instances is not drawn again, and a row's markup
        // is built once for all of them. So the loop hands on every part and row that equals the one before.
        var (loop, feed) = Create(db.Db);
        await db.PsqlAsync("""
            INSERT INTO jobs (kind) SELECT k FROM unnest(ARRAY['reuse.changes', 'reuse.stays']) AS k;
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at) VALUES ('reuse.stays', 'processing', 'gone:1', now() - interval '1 hour', now() - interval '1 hour');
            INSERT INTO workers (id, host, pid, heartbeat_at) VALUES ('gone:1', 'gone', 1, now() - interval '1 hour');
            """);
        await loop.TickAsync(CancellationToken.None);
        var before = feed.Current.Snapshot!;

        await db.PsqlAsync("INSERT INTO jobs (kind) VALUES ('reuse.changes')");
        await loop.TickAsync(CancellationToken.None);
        var after = feed.Current.Snapshot!;

        Assert.NotSame(before, after);
        Assert.Same(before.Kinds.Single(k => k.Kind == "reuse.stays"), after.Kinds.Single(k => k.Kind == "reuse.stays"));
        Assert.NotSame(before.Kinds.Single(k => k.Kind == "reuse.changes"), after.Kinds.Single(k => k.Kind == "reuse.changes"));
        Assert.Equal(2, after.Kinds.Single(k => k.Kind == "reuse.changes").CountOf("queued").Count);
        Assert.NotSame(before.States, after.States);
        Assert.Same(before.Processing, after.Processing);
        Assert.Same(before.Workers, after.Workers);
        Assert.Same(before.Leases, after.Leases);
        Assert.Contains(after.Processing, p => p.LeasedBy == "gone:1");
    }

    [Fact]
    public async Task Tick_ReportsReasonAndRecovers_WhenDatabaseComesBack()
    {
        var name = $"late_{Guid.NewGuid():N}";
        await using var target = Db.Create(TestPostgres.ConnectionStringFor(name));
        var (loop, feed) = Create(target);

        var firstOk = await loop.TickAsync(CancellationToken.None);
        var down = feed.Current;
        await TestPostgres.AdminAsync($"CREATE DATABASE \"{name}\"");

        var secondOk = await loop.TickAsync(CancellationToken.None);

        Assert.False(firstOk);
        Assert.Null(down.Snapshot);
        Assert.Contains("does not exist", down.Error, StringComparison.Ordinal);
        Assert.True(secondOk);
        Assert.True(feed.Current.IsHealthy);
        Assert.Equal("queued", feed.Current.Snapshot!.States[0].State);

        NpgsqlConnection.ClearAllPools();
        await TestPostgres.AdminAsync($"DROP DATABASE \"{name}\" WITH (FORCE)");
    }

    [Fact]
    public async Task Tick_KeepsLastSnapshot_WhenReadFails()
    {
        var (loop, feed) = Create(db.Db);
        await loop.TickAsync(CancellationToken.None);
        var good = feed.Current.Snapshot;
        await db.PsqlAsync("ALTER TABLE queue_control RENAME TO queue_control_gone");

        try
        {
            await loop.TickAsync(CancellationToken.None);
        }
        finally
        {
            await db.PsqlAsync("ALTER TABLE queue_control_gone RENAME TO queue_control");
        }

        Assert.Same(good, feed.Current.Snapshot);
        Assert.Contains("queue_control", feed.Current.Error, StringComparison.Ordinal);
        Assert.NotNull(feed.Current.ErrorSince);
    }

    [Fact]
    public async Task Refresh_PublishesAChangeCommittedBeforeTheCall_WithoutWaitingForTheInterval()
    {
        var options = new DashboardOptions { ConnectionString = db.ConnectionString, SnapshotInterval = TimeSpan.FromMinutes(1) };
        await using var live = await LiveLoop.StartAsync(options, listen: false);
        // jobs never notify: only the refresh can bring this row into the feed within the minute.
        await db.PsqlAsync("INSERT INTO jobs (kind) VALUES ('refresh.test')");

        await live.Loop.RefreshAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(1, live.Feed.Current.Snapshot!.Kinds.Single(k => k.Kind == "refresh.test").CountOf("queued").Count);
    }
}
