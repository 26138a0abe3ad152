using Dashboard.Core.Changes;
using Dashboard.Web.Hubs;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Web.Tests;

/// <summary>The hub across a database outage: the same connection sees the outage and then fresh data.</summary>
public sealed class HubOutageTests(OutageApp app) : IClassFixture<OutageApp>
{
    [Fact]
    public async Task Clients_ReceiveFreshSnapshots_AfterDatabaseRestart_WithoutReconnecting()
    {
        await using var hub = app.NewHubConnection(token: DashboardApp.ViewerToken);
        var down = new TaskCompletionSource<FeedState>(TaskCreationOptions.RunContinuationsAsynchronously);
        var back = new TaskCompletionSource<FeedState>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = false;
        var armed = false;
        hub.Reconnecting += _ =>
        {
            reconnected = true;
            return Task.CompletedTask;
        };
        hub.On<FeedState>(JobsHub.SnapshotMethod, state =>
        {
            if (!Volatile.Read(ref armed))
            {
                return;
            }

            if (state.Error is not null)
            {
                down.TrySetResult(state);
            }
            else if (down.Task.IsCompleted && state.IsHealthy)
            {
                back.TrySetResult(state);
            }
        });
        await hub.StartAsync();

        // The console may not have read its first snapshot yet when the test starts: the outage begins after it has.
        var before = await hub.InvokeAsync<FeedState>(nameof(JobsHub.GetSnapshot));
        for (var deadline = DateTime.UtcNow.AddMinutes(2); !before.IsHealthy && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100);
            before = await hub.InvokeAsync<FeedState>(nameof(JobsHub.GetSnapshot));
        }

        Volatile.Write(ref armed, true);

        await app.Postgres.StopAsync();
        var outage = await down.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await app.Postgres.StartAsync();
        var fresh = await back.Task.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(before.IsHealthy);
        Assert.NotNull(outage.Snapshot);
        Assert.True(fresh.Snapshot!.TakenAt > outage.Snapshot!.TakenAt);
        Assert.False(reconnected);
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }
}
