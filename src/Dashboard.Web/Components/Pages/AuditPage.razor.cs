using System.Globalization;
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
    private long? _open;
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
        await LoadAsync(null);
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
        await LoadAsync(null);
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

    private async Task LoadAsync(long? beforeSeq)
    {
        try
        {
            var page = await Queries.ListAsync(_applied, beforeSeq, PageSize, CancellationToken.None);
            _total = await Queries.CountAsync(_applied, CancellationToken.None);
            _entries = page.Entries;
            _current = beforeSeq;
            _next = page.NextBeforeSeq;
            _error = null;
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            _error = $"The audit log cannot be read: {ex.Message}";
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
            _error = $"The chain cannot be verified now: {ex.Message}";
        }
        finally
        {
            _verifying = false;
        }
    }

    private void Toggle(long seq) => _open = _open == seq ? null : seq;

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
        public string? Outcome { get; set; }
        public string? Text { get; set; }

        public void Clear() => From = To = Actor = Action = Kind = JobId = Outcome = Text = null;

        /// <summary>Returns a problem to show, or null with the filter set.</summary>
        public string? ToFilter(out AuditFilter filter)
        {
            filter = AuditFilter.All;
            DateTimeOffset? from = null, to = null;
            long? job = null;
            if (!string.IsNullOrWhiteSpace(From))
            {
                if (!DateTimeOffset.TryParse(From, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var f))
                {
                    return $"'{From}' is not a time; use e.g. 2026-11-22 08:00.";
                }

                from = f;
            }

            if (!string.IsNullOrWhiteSpace(To))
            {
                if (!DateTimeOffset.TryParse(To, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                {
                    return $"'{To}' is not a time; use e.g. 2026-11-22 09:00.";
                }

                to = t;
            }

            if (!string.IsNullOrWhiteSpace(JobId))
            {
                if (!long.TryParse(JobId.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var j))
                {
                    return "The job id is a number.";
                }

                job = j;
            }

            filter = new AuditFilter
            {
                From = from,
                To = to,
                Actor = Blank(Actor),
                Action = Blank(Action),
                Kind = Blank(Kind),
                JobId = job,
                Outcome = Blank(Outcome),
                Text = Blank(Text),
            };
            return null;
        }

        private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
