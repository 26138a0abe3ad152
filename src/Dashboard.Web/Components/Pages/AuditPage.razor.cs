using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Core.Database;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Pages;

/// <summary>The audit log for reviewers: filter, page, read an entry's before/after, export, verify the chain.</summary>
public sealed partial class AuditPage
{
    private const int PageSize = 50;
    private static readonly string[] _outcomes = [ActionOutcomeCodes.Applied, ActionOutcomeCodes.NoChange, ActionOutcomeCodes.Refused, ActionOutcomeCodes.Denied];

    private readonly FilterForm _form = new();
    private readonly Stack<long?> _pages = new();
    private AuditFilter _applied = AuditFilter.All;
    private IReadOnlyList<AuditEntry> _entries = [];
    private long? _current;
    private long? _next;
    private long _total;
    private AuditEntry? _open;
    private string? _error;
    private string? _formError;
    private bool _verifying;
    private AuditVerification? _verification;
    private Actor? _actor;

    [Inject] public required AuditQueries Queries { get; init; }

    [Inject] public required AuditVerifier Verifier { get; init; }

    [Inject] public required ICurrentActor CurrentActor { get; init; }

    private bool Can(string permission) => _actor?.Can(permission) == true;

    protected override async Task OnInitializedAsync()
    {
        _actor = await CurrentActor.GetAsync();
        await LoadAsync(null, count: true);
    }

    private async Task ApplyAsync()
    {
        if (_form.ToFilter(out var filter) is { } problem)
        {
            _formError = problem;
            return;
        }

        _formError = null;
        _applied = filter;
        _pages.Clear();
        await LoadAsync(null, count: true);
    }

    private async Task ClearAsync()
    {
        _form.Clear();
        await ApplyAsync();
    }

    private async Task OlderAsync()
    {
        _pages.Push(_current);
        await LoadAsync(_next);
    }

    private async Task NewerAsync() => await LoadAsync(_pages.Pop());

    // The total is counted once per filter, not on every page turn: paging moves through the same set.
    private async Task LoadAsync(long? beforeSeq, bool count = false)
    {
        try
        {
            var page = await Queries.ListAsync(_applied, beforeSeq, PageSize, CancellationToken.None);
            if (count)
            {
                _total = await Queries.CountAsync(_applied, CancellationToken.None);
            }

            _entries = page.Entries;
            _current = beforeSeq;
            _next = page.NextBeforeSeq;
            _error = null;
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            _error = $"The audit log cannot be read: {DatabaseErrors.Describe(ex)}";
        }
    }

    private async Task VerifyAsync()
    {
        _verifying = true;
        try
        {
            _verification = await Verifier.VerifyAsync(CancellationToken.None);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            _error = $"The chain cannot be verified now: {DatabaseErrors.Describe(ex)}";
        }
        finally
        {
            _verifying = false;
        }
    }

    // The list carries no before/after; an opened entry is read in full.
    private async Task Toggle(long seq)
    {
        if (_open?.Seq == seq)
        {
            _open = null;
            return;
        }

        try
        {
            _open = await Queries.GetAsync(seq, CancellationToken.None);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            _error = $"The entry cannot be read: {DatabaseErrors.Describe(ex)}";
        }
    }

    private static string Target(AuditEntry e) =>
        string.Join(" ", new[] { e.TargetKind is null ? null : $"kind {e.TargetKind}", e.TargetJobId is null ? null : $"job {e.TargetJobId}", e.TargetWorker is null ? null : $"worker {e.TargetWorker}" }
            .Where(s => s is not null));

    private static Color ColorOf(string outcome) => outcome switch
    {
        ActionOutcomeCodes.Applied => Color.Success,
        ActionOutcomeCodes.NoChange => Color.Default,
        ActionOutcomeCodes.Refused => Color.Warning,
        _ => Color.Error,
    };

    private sealed class FilterForm
    {
        public string? From { get; set; }
        public string? To { get; set; }
        public string? Actor { get; set; }
        public string? Action { get; set; }
        public string? Kind { get; set; }
        public string? JobId { get; set; }
        public string? Worker { get; set; }
        public string? Outcome { get; set; }
        public string? Text { get; set; }

        public void Clear() => From = To = Actor = Action = Kind = JobId = Worker = Outcome = Text = null;

        /// <summary>Returns a problem to show, or null with the filter set (the export reads its query the same way).</summary>
        public string? ToFilter(out AuditFilter filter) => AuditFilterParser.TryParse(
            key => key switch
            {
                "from" => From,
                "to" => To,
                "actor" => Actor,
                "action" => Action,
                "kind" => Kind,
                "job" => JobId,
                "worker" => Worker,
                "outcome" => Outcome,
                "text" => Text,
                _ => null,
            },
            out filter);
    }
}
