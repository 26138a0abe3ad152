using Dashboard.Core.Actions;
using Dashboard.Core.Bulk;
using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Core.Jobs;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// Find any job: filters live in the URL (see <see cref="JobsUrl"/>), pages go by id (keyset), the count is exact when
/// cheap and marked otherwise. The first page follows the feed while Live is on, through the instance's shared reads.
/// </summary>
public sealed partial class JobsPage : LivePageBase
{
    private const int PageSize = 50;

    private readonly JobsFilterForm _form = new();
    private readonly Stack<long?> _pages = new();
    private JobFilter _filter = JobFilter.All;
    private IReadOnlyList<JobSummary> _jobs = [];
    private IReadOnlyList<string> _problems = [];
    private JobCount? _count;
    private long? _current;
    private long? _next;
    private string? _error;
    private bool _loaded;
    private bool _frozen;
    private Actor? _actor;
    private IReadOnlyList<BulkOperation> _bulk = [];
    private Task? _following;

    [Inject] public required JobWatch Jobs { get; init; }

    [Inject] public required ICurrentActor CurrentActor { get; init; }

    [Inject] public required NavigationManager Navigation { get; init; }

    [Inject] public required JsonRedactor Redactor { get; init; }

    [Inject] public required ActionRunner Runner { get; init; }

    private bool Can(string permission) => _actor?.Can(permission) == true;

    private string CountText => _count switch
    {
        null => "",
        { Kind: JobCountKind.Exact, Value: 1 } => "1 matching job",
        { Kind: JobCountKind.Exact } c => $"{Formatting.Number(c.Value)} matching jobs",
        { Kind: JobCountKind.AtLeast } c => $"more than {Formatting.Number(c.Value)} matching jobs",
        { } c => $"≈ {Formatting.Number(c.Value)} matching jobs (estimate)",
    };

    protected override async Task OnInitializedAsync() => _actor = await CurrentActor.GetAsync();

    // What the page's markup depends on (its children decide for themselves). Every change of the feed reaches every
    // open tab and reads the list again; when the shared read hands back the same rows and count, nothing here
    // changed and the tab is not drawn: no render, no message.
    private object View => (_frozen, _form.View, _problems, _filter, _error, _count, _jobs, Feed.IsHealthy, (_bulk, _loaded, _pages.Count, _next, _actor));

    private readonly DrawnView _drawn = new();

    protected override bool ShouldRender() => _drawn.Changed(View);

    protected override async Task OnParametersSetAsync()
    {
        var query = new Uri(Navigation.Uri).Query;
        _filter = JobsUrl.Parse(query, out var problems);
        var found = problems.ToList();
        if (CheckSecretProbe(_filter) is { } probe)
        {
            found.Add(probe);
            _filter = _filter with { Payload = null };
        }

        _problems = found;
        _form.From(_filter);
        _pages.Clear();
        await LoadAsync(null);
    }

    // Live: the first page follows the feed (shared reads, so many viewers cost one query per tick).
    protected override void OnFeed(FeedState state)
    {
        Show(state);
        if (!_frozen && _pages.Count == 0 && state.IsHealthy)
        {
            Reload(() => LoadAsync(null));
        }
    }

    private string? CheckSecretProbe(JobFilter filter)
    {
        if (filter.Payload is null || _actor?.Can(Permissions.ViewSecrets) == true)
        {
            return null;
        }

        try
        {
            using var document = JobFilter.PayloadDocument(filter.Payload);
            return Redactor.MentionsSecret(document.RootElement)
                ? "payload: filtering on a redacted key (e.g. password, token) is for admins only."
                : null;
        }
        catch (ArgumentException)
        {
            return null; // reported by the search itself
        }
    }

    // Shows the filtered list at once and puts the filter in the URL, so the view can be linked and pasted.
    private async Task ApplyAsync()
    {
        if (_form.ToFilter(out var filter) is { } problem)
        {
            _problems = [problem];
            return;
        }

        _filter = filter;
        _problems = [];
        _pages.Clear();
        await LoadAsync(null);
        Navigation.NavigateTo(JobsUrl.Of(filter));
    }

    private Task ClearAsync()
    {
        Navigation.NavigateTo(JobsUrl.Path);
        return Task.CompletedTask;
    }

    private async Task NextAsync()
    {
        _pages.Push(_current);
        await LoadAsync(_next);
    }

    private async Task PreviousAsync() => await LoadAsync(_pages.Pop());

    private async Task LoadAsync(long? afterId)
    {
        try
        {
            var page = await Jobs.ListAsync(_filter, afterId, PageSize, CancellationToken.None);
            _jobs = page.Jobs;
            _current = afterId;
            _next = page.NextAfterId;
            _count = await Jobs.CountAsync(_filter, CancellationToken.None);
            _error = null;
        }
        catch (ArgumentException ex)
        {
            _error = ex.Message;
            _jobs = [];
            _count = null;
        }
        catch (TimeoutException ex)
        {
            _error = ex.Message;
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            _error = $"The jobs cannot be read now: {DatabaseErrors.Describe(ex)}";
        }

        _loaded = true;
        await LoadBulkAsync();
    }

    private async Task LoadBulkAsync()
    {
        try
        {
            _bulk = await Jobs.ListBulkAsync(CancellationToken.None);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            // The jobs error above says the database is unreachable; the panel keeps its last state.
        }

        // While an operation runs, everyone watching follows its progress (shared reads, once a second).
        if (_bulk.Any(b => b.IsRunning) && _following is null)
        {
            _following = FollowBulkAsync();
        }
    }

    private async Task FollowBulkAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), Clock);
        try
        {
            while (_bulk.Any(b => b.IsRunning) && await timer.WaitForNextTickAsync(Stopping))
            {
                await InvokeAsync(async () =>
                {
                    _bulk = await Jobs.ListBulkAsync(CancellationToken.None);
                    StateHasChanged();
                });
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || DatabaseErrors.IsUnavailable(ex))
        {
            // Page closed, or the database is away: the feed's banner says so.
        }
        finally
        {
            _following = null;
        }
    }

    private static JobTransitions.Kind Transition(BulkOperation op) => op.Action switch
    {
        "retry" => JobTransitions.Kind.Retry,
        "discard" => JobTransitions.Kind.Discard,
        _ => JobTransitions.Kind.RunNow,
    };

    private async Task BulkAsync(JobTransitions.Kind kind)
    {
        var verb = JobTransitions.Verb(kind);
        var result = await Runner.RunAsync(
            new StartBulkOperation(kind, _filter), $"{char.ToUpperInvariant(verb[0])}{verb[1..]} every job matching {_filter.Describe()}", $"Start bulk {verb}");
        if (result is not null)
        {
            Jobs.Invalidate();
            await LoadAsync(_current);
        }
    }

    private async Task CancelBulkAsync(BulkOperation op)
    {
        var result = await Runner.RunAsync(new CancelBulkOperation(op.Id, Transition(op)), $"Cancel bulk operation {op.Id}", "Cancel it");
        if (result is not null)
        {
            Jobs.Invalidate();
            await LoadBulkAsync();
        }
    }

    private void SetFrozen(bool frozen) => _frozen = frozen;
}
