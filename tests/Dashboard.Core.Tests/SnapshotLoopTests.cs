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
