using Dapper;
using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Core.Tests;

/// <summary>
/// The database goes away and comes back under a running loop and listener (same address, same data). Nothing here
/// clears Npgsql's pools: the product has to recover by itself.
/// </summary>
public sealed class DatabaseRestartTests(RestartableDatabase pg) : IClassFixture<RestartableDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan _bound = TimeSpan.FromMinutes(5);

    public async Task InitializeAsync()
    {
        if (!pg.Server.IsRunning)
        {
            await pg.Server.StartAsync();
        }
    }

    public Task DisposeAsync() => InitializeAsync();

    [Fact]
    public async Task Loop_KeepsLastSnapshotAndReportsWhy_WhileServerIsDown_ThenRecoversByItself()
    {
        var options = new DashboardOptions { ConnectionString = pg.ConnectionString, SnapshotInterval = TimeSpan.FromMilliseconds(200) };
        await using var live = await LiveLoop.StartAsync(options, listen: false);
        var before = live.Feed.Current.Snapshot!;
        var failing = live.Feed.WaitForAsync(s => s.Error is not null, _bound);

        await pg.Server.StopAsync();
        var down = await failing;
        var recovered = live.Feed.WaitForAsync(s => s.IsHealthy, _bound);
        await pg.Server.StartAsync();
        var up = await recovered;

        Assert.Same(before, down.Snapshot);
        Assert.False(string.IsNullOrWhiteSpace(down.Error));
        Assert.NotNull(down.ErrorSince);
        Assert.Null(up.Error);
        Assert.Null(up.ErrorSince);
        Assert.True(up.Snapshot!.TakenAt > before.TakenAt);
    }

    [Fact]
    public async Task Tick_SucceedsOnTheNextTick_WhenPooledConnectionsWentStaleInARestart()
    {
        var options = Options.Create(new DashboardOptions { ConnectionString = pg.ConnectionString });
        await using var db = Db.Create(pg.ConnectionString);
        var feed = new ChangeFeed();
        var loop = new SnapshotLoop(new SnapshotQueries(db, options), new Migrator(db), feed, options, NullLogger<SnapshotLoop>.Instance);
        // Several idle connections in the pool, as after a busy moment, then a restart between two ticks.
        var connections = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => db.OpenAsync(CancellationToken.None).AsTask()));
        await Task.WhenAll(connections.Select(c => c.ExecuteAsync("SELECT 1")));
        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        Assert.True(await loop.TickAsync(CancellationToken.None));

        await pg.Server.StopAsync();
        await pg.Server.StartAsync();
        var first = await loop.TickAsync(CancellationToken.None);
        var firstState = feed.Current;
        var second = await loop.TickAsync(CancellationToken.None);

        // A stale connection may fail the first tick (reported like any outage); the next one must succeed.
        Assert.True(first || firstState.Error is not null);
        Assert.True(second);
        Assert.True(feed.Current.IsHealthy);
    }

    [Fact]
    public async Task Listener_ReconnectsAfterRestart_AndANotificationStillWakesTheLoop()
    {
        // A day between ticks: every fresh snapshot below comes from the listener.
        var options = new DashboardOptions { ConnectionString = pg.ConnectionString, SnapshotInterval = TimeSpan.FromDays(1) };
        await using var live = await LiveLoop.StartAsync(options, listen: true);
        var lost = live.WaitForListeningAsync(false, _bound);
        var failing = live.Feed.WaitForAsync(s => s.Error is not null, _bound);

        await pg.Server.StopAsync();
        await lost;
        await failing;
        var listening = live.WaitForListeningAsync(true, _bound);
        var recovered = live.Feed.WaitForAsync(s => s.IsHealthy, _bound);
        await pg.Server.StartAsync();
        await listening;
        await recovered;
        await live.SettleAsync();
        var paused = live.Feed.WaitForAsync(s => s.Snapshot?.Intake.Accepting == false, _bound);
        await using (var conn = new NpgsqlConnection(LiveLoop.Unpooled(pg.ConnectionString)))
        {
            await conn.ExecuteAsync("UPDATE queue_control SET accepting = false, changed_by = 'ops', reason = 'after restart'");
        }

        await paused;

        await using (var conn = new NpgsqlConnection(LiveLoop.Unpooled(pg.ConnectionString)))
        {
            await conn.ExecuteAsync("UPDATE queue_control SET accepting = true, changed_by = NULL, reason = NULL");
        }
    }
}
