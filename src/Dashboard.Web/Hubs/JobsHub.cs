using Dashboard.Core.Changes;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Hubs;

/// <summary>
/// Serves the instance's snapshots to non-browser clients (the CLI's watch, tests). Pushes "snapshot" on every
/// change; <see cref="GetSnapshot"/> returns the current one on connect. Blazor pages do not use it: they subscribe
/// to the in-process feed.
/// </summary>
public sealed class JobsHub(IDashboardState state) : Hub
{
    public const string Path = "/hubs/jobs";
    public const string SnapshotMethod = "snapshot";

    public FeedState GetSnapshot() => state.Current;
}

/// <summary>Forwards the feed to every hub client: one subscription per app instance, however many clients.</summary>
public sealed class ChangeBroadcaster(IDashboardState state, IHubContext<JobsHub> hub) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = state.Subscribe(s => hub.Clients.All.SendAsync(JobsHub.SnapshotMethod, s, CancellationToken.None));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
