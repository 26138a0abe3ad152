using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Core.Jobs;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// One job: every column, the timeline, the lease, the last error and its history, payload and checkpoint with secret
/// values masked for everyone but admins, and the audit entries that touched it. It follows the instance's feed.
/// </summary>
public sealed partial class JobPage : LivePageBase
{
    private const int AuditEntries = 20;

    private JobDetail? _job;
    private IReadOnlyList<AuditEntry> _audit = [];
    private DateTimeOffset? _auditFor;
    private bool _missing;
    private string? _error;
    private Actor? _actor;

    [Parameter] public long Id { get; set; }

    [Inject] public required JobWatch Jobs { get; init; }

    [Inject] public required AuditQueries Audit { get; init; }

    [Inject] public required JsonRedactor Redactor { get; init; }

    [Inject] public required ICurrentActor CurrentActor { get; init; }

    [Inject] public required ActionRunner Runner { get; init; }

    // "12s ago" and whether a scheduled job can still be run now move with time.
    protected override bool MovesWithTheClock => true;

    private bool Can(string permission) => _actor?.Can(permission) == true;

    private Task RetryAsync() => ActAsync(new RetryJob(Id, _job!.State), $"Retry job {Id}", "Retry");

    private Task RunNowAsync() => ActAsync(new RunJobNow(Id), $"Run job {Id} now", "Run now");

    private Task DiscardAsync() => ActAsync(new DiscardJob(Id, _job!.State), $"Discard job {Id}", "Discard");

    // The action compares against the state shown; afterwards the page reads the job again at once.
    private async Task ActAsync(OperatorAction action, string title, string confirm)
    {
        if (await Runner.RunAsync(action, title, confirm) is not null)
        {
            Jobs.Invalidate();
            _auditFor = null;
            await LoadAsync();
        }
    }

    /// <summary>Admins see secret values; everyone else sees them masked.</summary>
    private bool Reveal => _actor?.Can(Permissions.ViewSecrets) == true;

    private string RevealNote => Reveal ? "(secrets shown: admin)" : "";

    protected override async Task OnInitializedAsync() => _actor = await CurrentActor.GetAsync();

    protected override async Task OnParametersSetAsync()
    {
        _job = null;
        _auditFor = null;
        await LoadAsync();
    }

    protected override void OnFeed(FeedState state)
    {
        Show(state);
        if (state.IsHealthy)
        {
            Reload(LoadAsync);
        }
    }

    /// <summary>Reads the job again now (after an action).</summary>
    private async Task LoadAsync()
    {
        try
        {
            _job = await Jobs.GetAsync(Id, CancellationToken.None);
            _missing = _job is null;
            if (_job is { } job && _auditFor != job.UpdatedAt)
            {
                var page = await Audit.ListAsync(new AuditFilter { JobId = Id }, null, AuditEntries, CancellationToken.None);
                _audit = page.Entries;
                _auditFor = job.UpdatedAt;
            }

            _error = null;
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            _error = $"The job cannot be read now: {DatabaseErrors.Describe(ex)}";
        }
    }

    private static IEnumerable<(string Label, DateTimeOffset At)> Timeline(JobDetail job)
    {
        var points = new List<(string, DateTimeOffset?)>
        {
            ("created", job.CreatedAt),
            ("run at", job.RunAt),
            ("leased", job.LeasedAt),
            ("last heartbeat", job.HeartbeatAt),
            ("finished", job.FinishedAt),
        };
        return points.Where(p => p.Item2 is not null).Select(p => (p.Item1, p.Item2!.Value)).OrderBy(p => p.Item2);
    }

    private static string Time(DateTimeOffset? at) => at is { } value ? Formatting.Absolute(value) : "—";
}
