using System.Diagnostics;
using Dashboard.Core.Changes;
using Dashboard.Web.Hubs;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Web.Tests;

/// <summary>The hub with the real SignalR client against the real app and a real PostgreSQL.</summary>
public sealed class JobsHubTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    // Deadlines here only catch hangs on a loaded machine; how fast a change reaches clients is measured by the
    // live benchmark (docs/benchmarks.md).
    private static readonly TimeSpan _bound = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Snapshot_ReachesClient_AfterPsqlUpdate()
    {
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) SELECT 'hub.one' FROM generate_series(1, 3)");
        await using var hub = app.NewHubConnection(token: DashboardApp.ViewerToken);
        var seen = WaitFor(hub, s => s.Kinds.FirstOrDefault(k => k.Kind == "hub.one")?.CountOf("paused").Count == 3);
        await hub.StartAsync();
        await WaitForKindAsync(hub, "hub.one");

        await app.Database.PsqlAsync("UPDATE jobs SET state='paused' WHERE state='queued' AND kind='hub.one'");
        await seen.WaitAsync(_bound);

        Assert.True(seen.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Snapshot_ReachesAllFiftyClients()
    {
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) VALUES ('hub.fifty')");
        var clients = Enumerable.Range(0, 50).Select(_ => app.NewHubConnection(token: DashboardApp.ViewerToken)).ToList();
        try
        {
            var seen = clients.Select(c => WaitFor(c, s => s.Kinds.FirstOrDefault(k => k.Kind == "hub.fifty")?.CountOf("failed").Count == 1)).ToList();
            await Task.WhenAll(clients.Select(c => c.StartAsync()));

            await app.Database.PsqlAsync("UPDATE jobs SET state='failed' WHERE kind='hub.fifty'");

            await Task.WhenAll(seen).WaitAsync(_bound);
            Assert.All(seen, t => Assert.True(t.IsCompletedSuccessfully));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task GetSnapshot_ReturnsCurrentState_OnConnect()
    {
        await using var hub = app.NewHubConnection(token: DashboardApp.ViewerToken);
        await hub.StartAsync();

        var state = await WaitForKindAsync(hub, null);

        Assert.NotNull(state.Snapshot);
        Assert.True(state.IsHealthy);
    }

    [Fact]
    public async Task GetSnapshot_CarriesLeases_ButNeverTheirTokens()
    {
        var token = Guid.NewGuid();
        await app.Database.PsqlAsync(
            "INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token) VALUES ('hub.token', 'processing', 'web-9:1', now(), now(), @token)",
            new { token });
        await using var hub = app.NewHubConnection(token: DashboardApp.ViewerToken);
        await hub.StartAsync();
        await WaitForKindAsync(hub, "hub.token");

        var json = (await hub.InvokeAsync<System.Text.Json.JsonElement>(nameof(JobsHub.GetSnapshot))).GetRawText();

        Assert.Contains("web-9:1", json, StringComparison.Ordinal);
        Assert.DoesNotContain(token.ToString(), json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("leaseToken", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("lease_token", json, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<FeedState> WaitForKindAsync(HubConnection hub, string? kind)
    {
        // The loop may not have read the row yet: ask until it has (bounded), rather than sleeping.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var state = await hub.InvokeAsync<FeedState>(nameof(JobsHub.GetSnapshot));
            if (state.Snapshot is { } s && (kind is null || s.Kinds.Any(k => k.Kind == kind)))
            {
                return state;
            }

            Assert.True(deadline.Elapsed < _bound, "the hub never served a snapshot with the test's rows");
            await Task.Yield();
        }
    }

    private static Task WaitFor(HubConnection hub, Func<DashboardSnapshot, bool> condition)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<FeedState>(JobsHub.SnapshotMethod, state =>
        {
            if (state.Snapshot is { } s && condition(s))
            {
                seen.TrySetResult();
            }
        });
        return seen.Task;
    }
}
