using Dashboard.Core.Changes;
using Dashboard.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dashboard.Core.Tests;

/// <summary>
/// The snapshot interval here is a day and every test starts from a settled loop (no wake-up pending), so a fresh
/// snapshot at all can only come from a notification. How fast it comes is measured by the benchmarks, not here: the
/// bound only catches a hang on a loaded machine.
/// </summary>
public sealed class ChangeListenerTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan _slowInterval = TimeSpan.FromDays(1);
    private static readonly TimeSpan _bound = TimeSpan.FromMinutes(2);

    public Task InitializeAsync() => db.PsqlAsync("""
        DELETE FROM jobs; DELETE FROM job_kinds;
        UPDATE queue_control SET accepting = true, changed_by = NULL, reason = NULL;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private DashboardOptions Options(string? channel = null) => new()
    {
        ConnectionString = db.ConnectionString,
        SnapshotInterval = _slowInterval,
        ChangeChannel = channel ?? new DashboardOptions().ChangeChannel,
    };

    [Fact]
    public async Task Notification_PublishesFreshSnapshotAtOnce_WhenIntakeIsPausedFromAnotherConnection()
    {
        await using var live = await LiveLoop.StartAsync(Options(), listen: true);
        var paused = live.Feed.WaitForAsync(s => s.Snapshot?.Intake.Accepting == false, _bound);

        await db.PsqlAsync("UPDATE queue_control SET accepting = false, changed_by = 'deploy-bot', reason = 'deploy 7'");
        var state = await paused;

        Assert.True(state.IsHealthy);
        Assert.Equal("deploy 7", state.Snapshot!.Intake.Reason);
    }

    [Fact]
    public async Task Notification_PublishesFreshSnapshotAtOnce_WhenKindIsPaused()
    {
        await using var live = await LiveLoop.StartAsync(Options(), listen: true);
        var paused = live.Feed.WaitForAsync(s => s.Snapshot?.Kinds.Any(k => k.Kind == "search.reindex" && k.Paused) == true, _bound);

        await db.PsqlAsync("INSERT INTO job_kinds (kind, paused, paused_by, pause_reason) VALUES ('search.reindex', true, 'ops', 'index rebuild')");
        await paused;

    }

    [Fact]
    public async Task Listener_UsesTheConfiguredChannel_TakenLiterally()
    {
        // Mixed case and a space: only a quoted LISTEN hears pg_notify on this exact name.
        const string channel = "Ops Console";
        await using var live = await LiveLoop.StartAsync(Options(channel), listen: true);
        var inserted = live.Feed.WaitForAsync(s => s.Snapshot?.Kinds.Any(k => k.Kind == "channel.test") == true, _bound);

        await db.PsqlAsync("""
            BEGIN;
            INSERT INTO jobs (kind) VALUES ('channel.test');
            SELECT pg_notify(@Channel, 'jobs');
            COMMIT;
            """, new { Channel = channel });
        await inserted;

    }

    [Fact]
    public async Task AddDashboardCore_RunsOneLoopAndOneListener_ThatShowAnActionAtOnce()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Jobs"] = db.ConnectionString,
            ["Dashboard:SnapshotInterval"] = _slowInterval.ToString(),
        });
        builder.Services.AddDashboardCore(builder.Configuration);
        using var host = builder.Build();
        var hosted = host.Services.GetServices<IHostedService>().ToList();
        var listener = host.Services.GetRequiredService<ChangeListener>();
        var feed = host.Services.GetRequiredService<IDashboardState>();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.ListeningChanged += now =>
        {
            if (now)
            {
                listening.TrySetResult();
            }
        };
        var healthy = feed.WaitForAsync(s => s.IsHealthy, _bound);

        await host.StartAsync();
        try
        {
            await Task.WhenAll(healthy, listening.Task.WaitAsync(_bound));
            await host.Services.GetRequiredService<SnapshotLoop>().RefreshAsync().WaitAsync(_bound);
            var paused = feed.WaitForAsync(s => s.Snapshot?.Intake.Accepting == false, _bound);
            await db.PsqlAsync("UPDATE queue_control SET accepting = false, changed_by = 'deploy-bot', reason = 'deploy 8'");
            await paused;

            Assert.Single(hosted.OfType<SnapshotLoop>());
            Assert.Single(hosted.OfType<ChangeListener>());
            Assert.Same(listener, hosted.OfType<ChangeListener>().Single());
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
