using System.Runtime.CompilerServices;
using Dashboard.Core.Actions;
using Dashboard.Core.Alerts;
using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Core.History;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// The console's home: counts, kinds, leases and workers from the shared snapshot feed. The first page of each list
/// travels with the snapshot; filtered views and later pages are read through <see cref="IListQueries"/> (shared per
/// instance for a tick). Filters live in the URL (<see cref="OverviewQuery"/>).
/// </summary>
public sealed partial class OverviewPage : LivePageBase
{
    // Leases and workers per page: what fits a screen. Every open tab keeps its rows' render tree on the server, so a
    // longer page costs every viewer; the pager and the URL reach every row, and the totals are SQL aggregates.
    private const int PageSize = 25;

    private bool _frozen;
    private FeedState? _waiting;
    private DateTimeOffset? _frozenAsOf;
    private Actor? _actor;
    private ListPage<ProcessingJob>? _leasePage;
    private ListPage<WorkerStatus>? _workerPage;
    private string? _listError;
    private DateTimeOffset _historyAt;
    private IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>> _trends = new Dictionary<string, IReadOnlyList<HistoryPoint>>();
    private IReadOnlyList<AlertEvent> _alerts = [];

    [Inject] public required ICurrentActor CurrentActor { get; init; }

    [Inject] public required ActionRunner Runner { get; init; }

    [Inject] public required IListQueries Lists { get; init; }

    [Inject] public required NavigationManager Nav { get; init; }

    // The URL's filters, read as text (OverviewQuery parses them, so a malformed value never breaks the page).
    [SupplyParameterFromQuery(Name = "q")] public string? Q { get; set; }

    [SupplyParameterFromQuery(Name = "sort")] public string? SortParam { get; set; }

    [SupplyParameterFromQuery(Name = "kpage")] public string? KPage { get; set; }

    [SupplyParameterFromQuery(Name = "kind")] public string? KindParam { get; set; }

    [SupplyParameterFromQuery(Name = "worker")] public string? WorkerParam { get; set; }

    [SupplyParameterFromQuery(Name = "stuck")] public string? StuckParam { get; set; }

    [SupplyParameterFromQuery(Name = "page")] public string? PageParam { get; set; }

    [SupplyParameterFromQuery(Name = "wq")] public string? Wq { get; set; }

    [SupplyParameterFromQuery(Name = "wstuck")] public string? WStuck { get; set; }

    [SupplyParameterFromQuery(Name = "wpage")] public string? WPage { get; set; }

    private OverviewQuery Query { get; set; } = new();

    private LeaseFilter LeaseFilter => Query.Leases;
    [Inject] public required IHistoryView History { get; init; }

    /// <summary>Buttons show only what the signed-in role may do; the server checks again inside each action.</summary>
    private bool Can(string permission) => _actor?.Can(permission) == true;

    /// <summary>While the database is unreachable nothing can be previewed or applied.</summary>
    private bool ActionsEnabled => Feed.IsHealthy;

    private bool LeasesFromSnapshot => LeaseFilter.IsEmpty && Query.LeasePage == 0;

    private bool WorkersFromSnapshot => Query.Workers.IsEmpty && Query.WorkerPage == 0;

    // The snapshot carries the first SnapshotQueries.PageSize of each list; the first page shows the start of it.
    private ListPage<ProcessingJob> Leases => LeasesFromSnapshot || _leasePage is null
        ? new(FirstPage(Feed.Snapshot?.Processing), LeasesFromSnapshot ? Feed.Snapshot?.Leases.Processing ?? 0 : 0, 0, PageSize, Now)
        : _leasePage;

    private ListPage<WorkerStatus> Workers => WorkersFromSnapshot || _workerPage is null
        ? new(FirstPage(Feed.Snapshot?.Workers), WorkersFromSnapshot ? Feed.Snapshot?.WorkerTotal ?? 0 : 0, 0, PageSize, Now)
        : _workerPage;

    // One list per snapshot list, shared by every tab: the same rows stay the same instance, and a table whose rows
    // are the same is not drawn again (DrawnWhenChanged).
    private static IReadOnlyList<T> FirstPage<T>(IReadOnlyList<T>? items)
        where T : class =>
        items is null ? [] : items.Count <= PageSize ? items : FirstPages<T>.Of.GetValue(items, static list => [.. list.Take(PageSize)]);

    private static class FirstPages<T>
        where T : class
    {
        public static readonly ConditionalWeakTable<IReadOnlyList<T>, IReadOnlyList<T>> Of = new();
    }

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

    protected override async Task OnParametersSetAsync()
    {
        Query = OverviewQuery.Parse(new Dictionary<string, string?>
        {
            ["q"] = Q,
            ["sort"] = SortParam,
            ["kpage"] = KPage,
            ["kind"] = KindParam,
            ["worker"] = WorkerParam,
            ["stuck"] = StuckParam,
            ["page"] = PageParam,
            ["wq"] = Wq,
            ["wstuck"] = WStuck,
            ["wpage"] = WPage,
        });
        _leasePage = null;
        _workerPage = null;
        await RefreshListsAsync();
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
            if (!LeasesFromSnapshot || !WorkersFromSnapshot)
            {
                Reload(RefreshListsAsync);
            }
        }

        if (Clock.GetUtcNow() - _historyAt >= HistoryCache.MaxAge)
        {
            // The new state is drawn next: history the cache hands back at once is drawn with it, not on its own.
            var reading = ReadHistoryAsync();
            if (!reading.IsCompleted)
            {
                _ = DrawWhenReadAsync(reading);
            }
        }
    }

    private async Task DrawWhenReadAsync(Task<bool> reading)
    {
        if (await reading)
        {
            StateHasChanged();
        }
    }

    // Sparklines and alerts: read through the instance's cache, at most every few seconds. The cache hands back the
    // same instances while nothing changed, and then there is nothing to draw.
    private Task LoadHistoryAsync() => DrawWhenReadAsync(ReadHistoryAsync());

    // Whether the trends or alerts changed.
    private async Task<bool> ReadHistoryAsync()
    {
        _historyAt = Clock.GetUtcNow();
        var (trends, alerts) = (_trends, _alerts);
        try
        {
            _trends = await History.LastHourAsync(Now);
            _alerts = await History.AlertsAsync();
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            // The database banner says why; the last trends stay.
        }

        return !ReferenceEquals(trends, _trends) || !ReferenceEquals(alerts, _alerts);
    }

    // Reads what the snapshot does not carry. A failure keeps the last page and says so; it never throws.
    private async Task RefreshListsAsync()
    {
        try
        {
            if (!LeasesFromSnapshot)
            {
                _leasePage = await Lists.GetLeasesAsync(LeaseFilter, Query.LeasePage * PageSize, PageSize, CancellationToken.None);
            }

            if (!WorkersFromSnapshot)
            {
                _workerPage = await Lists.GetWorkersAsync(Query.Workers, Query.WorkerPage * PageSize, PageSize, CancellationToken.None);
            }

            _listError = null;
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            _listError = DatabaseErrors.Describe(ex);
        }
    }

    private void Go(OverviewQuery query, bool replace = false) =>
        Nav.NavigateTo(Nav.GetUriWithQueryParameters(query.ToParameters()), replace: replace);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private Task<ActionResult?> PauseKindAsync(KindStatus kind) => Runner.RunAsync(new PauseKind(kind.Kind), $"Pause kind {kind.Kind}", "Pause");

    private Task<ActionResult?> ResumeKindAsync(KindStatus kind) => Runner.RunAsync(new ResumeKind(kind.Kind), $"Resume kind {kind.Kind}", "Resume");

    private Task<ActionResult?> ReleaseStuckOfKindAsync(KindStatus kind) =>
        Runner.RunAsync(new ReleaseStuckLeases(Kind: kind.Kind), $"Release stuck leases of {kind.Kind}", "Release");

    private Task<ActionResult?> ReleaseLeaseAsync(ProcessingJob job) =>
        Runner.RunAsync(new ReleaseLease(job.Id, job.LeasedBy, job.LeasedAt), $"Force-release job {job.Id}", "Force-release");

    private Task<ActionResult?> DrainWorkerAsync(WorkerStatus worker) => Runner.RunAsync(new DrainWorker(worker.Id), $"Drain worker {worker.Id}", "Drain");

    private Task<ActionResult?> ResumeWorkerAsync(WorkerStatus worker) => Runner.RunAsync(new ResumeWorker(worker.Id), $"Resume worker {worker.Id}", "Resume");

    private Task<ActionResult?> ReleaseWorkerLeasesAsync(WorkerStatus worker) =>
        Runner.RunAsync(new ReleaseStuckLeases(WorkerId: worker.Id), $"Release the leases of {worker.Id}", "Release");

    private Task<ActionResult?> DrainAllAsync() => Runner.RunAsync(new DrainAllWorkers(), "Drain all workers", "Drain all");

    private Task<ActionResult?> ResumeAllAsync() => Runner.RunAsync(new ResumeAllWorkers(), "Resume all workers", "Resume all");

    private void SetFrozen(bool frozen)
    {
        _frozen = frozen;
        _frozenAsOf = frozen ? State.LastReadAt : null;
        if (!frozen && _waiting is { } waiting)
        {
            Show(waiting);
        }

        _waiting = null;
    }
}
