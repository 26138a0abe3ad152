using Dashboard.Core.Database;
using Dashboard.Core.Readiness;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// The drain view's deploy readiness: the grace period (URL parameter <c>grace</c>, default 30 s) and every running
/// job's verdict for it, read from Core (shared per instance per tick) and refreshed every second while open.
/// </summary>
public partial class DrainPage
{
    private CancellationTokenSource? _readinessLoop;
    private TimeSpan _grace = GracePeriod.Default;
    private string? _graceProblem;
    private ReadinessReport? _readiness;
    private string? _readinessError;

    // How long the drain has run and the oldest running job move with time.
    protected override bool MovesWithTheClock => true;

    [Inject] public required IDeployReadiness Readiness { get; init; }

    [Inject] public required NavigationManager Navigation { get; init; }

    [SupplyParameterFromQuery(Name = "grace")] public string? GraceParameter { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        _graceProblem = null;
        if (GraceParameter is null)
        {
            _grace = GracePeriod.Default;
        }
        else if (GracePeriod.TryParse(GraceParameter, out var grace))
        {
            _grace = grace;
        }
        else
        {
            _grace = GracePeriod.Default;
            _graceProblem = "The link's grace period is not a duration; showing 30s.";
        }

        await RefreshReadinessAsync();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _readinessLoop = new CancellationTokenSource();
            _ = RefreshReadinessEverySecondAsync(_readinessLoop.Token);
        }
    }

    private void ChangeGrace(TimeSpan grace) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("grace", GracePeriod.Format(grace)), replace: true);

    private async Task RefreshReadinessEverySecondAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await InvokeAsync(async () =>
                {
                    await RefreshReadinessAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The page was closed.
        }
    }

    private async Task RefreshReadinessAsync()
    {
        try
        {
            _readiness = await Readiness.GetAsync(_grace, _readinessLoop?.Token ?? CancellationToken.None);
            _readinessError = null;
        }
        catch (OperationCanceledException)
        {
            // The page was closed.
        }
        catch (Exception ex)
        {
            // The last report stays on screen, marked stale, as the snapshot does while the database is away.
            _readinessError = $"Could not read the verdicts: {DatabaseErrors.Describe(ex)}";
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _readinessLoop is { } loop)
        {
            loop.Cancel();
            loop.Dispose();
            _readinessLoop = null;
        }

        base.Dispose(disposing);
    }
}
