using Dashboard.Core.Actions;
using Dashboard.Core.Alerts;
using Dashboard.Core.Changes;
using Dashboard.Core.History;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

/// <summary>The console's home: counts, kinds, leases and workers from the shared snapshot feed.</summary>
public sealed partial class OverviewPage : LivePageBase
{
    private bool _frozen;
    private FeedState? _waiting;
    private Actor? _actor;
    private DateTimeOffset _historyAt;
    private IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>> _trends = new Dictionary<string, IReadOnlyList<HistoryPoint>>();
    private IReadOnlyList<AlertEvent> _alerts = [];

    [Inject] public required ICurrentActor CurrentActor { get; init; }

    [Inject] public required ActionRunner Runner { get; init; }

    [Inject] public required IHistoryView History { get; init; }

    /// <summary>Buttons show only what the signed-in role may do; the server checks again inside each action.</summary>
    private bool Can(string permission) => _actor?.Can(permission) == true;

    /// <summary>While the database is unreachable nothing can be previewed or applied.</summary>
    private bool ActionsEnabled => Feed.IsHealthy;

    private readonly CancellationTokenSource _stop = new();

    protected override async Task OnInitializedAsync()
    {
        _actor = await CurrentActor.GetAsync();
        await LoadHistoryAsync();
        _ = RefreshHistoryAsync(_stop.Token);
    }

    // Trends and alerts move even while the snapshot does not: reread them every few seconds.
    private async Task RefreshHistoryAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(HistoryCache.MaxAge + HistoryCache.MaxAge, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await InvokeAsync(LoadHistoryAsync);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }

    // Frozen while the user reads: the newest state waits. Outages still show at once.
    protected override void OnFeed(FeedState state)
    {
        if (_frozen && state.Error is null)
        {
            _waiting = state;
        }
        else
        {
            Show(state);
        }

        if (Clock.GetUtcNow() - _historyAt >= HistoryCache.MaxAge)
        {
            _ = InvokeAsync(LoadHistoryAsync);
        }
    }

    // Sparklines and alerts: read through the instance's cache, at most every few seconds.
    private async Task LoadHistoryAsync()
    {
        _historyAt = Clock.GetUtcNow();
        try
        {
            _trends = await History.LastHourAsync(Now);
            _alerts = await History.AlertsAsync();
        }
        catch (Exception ex) when (Dashboard.Core.Database.DatabaseErrors.IsUnavailable(ex))
        {
            // The database banner says why; the last trends stay.
        }

        StateHasChanged();
    }

    private static HashSet<string> StuckKinds(DashboardSnapshot snapshot) =>
        snapshot.Processing.Where(p => p.IsStuck).Select(p => p.Kind).ToHashSet(StringComparer.Ordinal);

    private Task<ActionResult?> PauseKindAsync(KindStatus kind) => Runner.RunAsync(new PauseKind(kind.Kind), $"Pause kind {kind.Kind}", "Pause");

    private Task<ActionResult?> ResumeKindAsync(KindStatus kind) => Runner.RunAsync(new ResumeKind(kind.Kind), $"Resume kind {kind.Kind}", "Resume");

    private Task<ActionResult?> ReleaseStuckOfKindAsync(KindStatus kind) =>
        Runner.RunAsync(new ReleaseStuckLeases(Kind: kind.Kind), $"Release stuck leases of {kind.Kind}", "Release");

    private Task<ActionResult?> ReleaseLeaseAsync(ProcessingJob job) =>
        Runner.RunAsync(new ReleaseLease(job.Id, job.LeasedBy, job.LeaseToken), $"Force-release job {job.Id}", "Force-release");

    private Task<ActionResult?> DrainWorkerAsync(WorkerStatus worker) => Runner.RunAsync(new DrainWorker(worker.Id), $"Drain worker {worker.Id}", "Drain");

    private Task<ActionResult?> ResumeWorkerAsync(WorkerStatus worker) => Runner.RunAsync(new ResumeWorker(worker.Id), $"Resume worker {worker.Id}", "Resume");

    private Task<ActionResult?> ReleaseWorkerLeasesAsync(WorkerStatus worker) =>
        Runner.RunAsync(new ReleaseStuckLeases(WorkerId: worker.Id), $"Release the leases of {worker.Id}", "Release");

    private Task<ActionResult?> DrainAllAsync() => Runner.RunAsync(new DrainAllWorkers(), "Drain all workers", "Drain all");

    private Task<ActionResult?> ResumeAllAsync() => Runner.RunAsync(new ResumeAllWorkers(), "Resume all workers", "Resume all");

    private void SetFrozen(bool frozen)
    {
        _frozen = frozen;
        if (!frozen && _waiting is { } waiting)
        {
            Show(waiting);
        }

        _waiting = null;
    }
}
