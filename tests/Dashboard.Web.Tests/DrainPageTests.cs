using Dashboard.Core;
using Dashboard.Core.Actions;
using Dashboard.Core.Changes;
using Dashboard.Core.Readiness;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace Dashboard.Web.Tests;

public sealed class DrainPageTests : DashboardTestContext
{
    private readonly FakeReadiness _readiness = new();

    public DrainPageTests()
    {
        Services.AddSingleton<IDeployReadiness>(_readiness);
        Services.AddSingleton(Options.Create(new DashboardOptions()));
    }

    [Fact]
    public void InFlight_IsTheDatabasesTotal_AndEachHolderShowsItsOwnCount()
    {
        // 2,036 leases in the database; the snapshot carries the 40 biggest holders of 90 workers, not every lease.
        var workers = Enumerable.Range(0, 40).Select(i => Snapshots.Worker($"w-{i}:1", inFlight: 50 - i)).ToList();
        State.Set(Snapshots.Healthy(Snapshots.Create(
            workers: workers,
            leases: new LeaseTotals(2_036, 1_100, Snapshots.Now.AddMinutes(-3))) with
        { WorkerTotal = 90 }));

        var page = Render<DrainPage>();

        Assert.Contains("2,036", page.Find("[data-testid=drain-running]").TextContent, StringComparison.Ordinal);
        var rows = page.FindAll("[data-testid=drain-worker-row]");
        Assert.Equal(40, rows.Count);
        Assert.Equal("w-0:1", rows[0].GetAttribute("data-worker"));
        Assert.Equal("50", rows[0].QuerySelector("[data-testid=drain-worker-jobs]")!.TextContent);
        Assert.Contains("40 biggest holders of 90 workers", Normalise(page.Find("[data-testid=drain-workers-more]").TextContent), StringComparison.Ordinal);
    }

    [Fact]
    public void Draining_ShowsElapsedTime_AndWarnsWhenADeployWouldAbort()
    {
        var gate = new DashboardOptions().DeployGate;
        var intake = new IntakeStatus(false, "deploy-bot", Snapshots.Now.AddMinutes(-4), "release 812");
        State.Set(Snapshots.Healthy(Snapshots.Create(
            intake: intake,
            workers: [Snapshots.Worker("web-1:7", inFlight: 1)],
            leases: new LeaseTotals(1, 0, Snapshots.Now - gate.AbortIfOlderThan - TimeSpan.FromMinutes(1)))));

        var page = Render<DrainPage>();

        Assert.Contains("Intake is paused", page.Find("[data-testid=intake]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("not draining", page.Find("[data-testid=drain-elapsed]").TextContent, StringComparison.Ordinal);
        Assert.Contains("A deploy would abort", page.Find("[data-testid=drain-oldest]").TextContent, StringComparison.Ordinal);
        Assert.Contains("a deploy would abort", page.Find("[data-testid=drain-running]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Drained_SaysSafeToRestart()
    {
        State.Set(Snapshots.Healthy(Snapshots.Create(intake: new IntakeStatus(false, "deploy-bot", Snapshots.Now.AddSeconds(-20), null))));

        var page = Render<DrainPage>();

        Assert.Contains("drained: safe to restart", page.Find("[data-testid=drain-running]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=drain-worker-row]"));
        Assert.Empty(page.FindAll("[data-testid=drain-workers-more]"));
    }

    [Fact]
    public async Task DrainAll_AsksForAReason_ThenSendsOneAction()
    {
        var dialogs = Render<MudDialogProvider>();
        var page = Render<DrainPage>();

        // The readiness list refreshes every second and re-renders the page: find and click in one renderer turn.
        var click = Task.CompletedTask;
        // (A statement lambda: the click completes only after the dialog, which must not be awaited here.)
        await page.InvokeAsync(() => { click = page.Find("[data-testid=drain-all]").ClickAsync(new()); });
        dialogs.WaitForElement("[data-testid=preview-summary]");
        await dialogs.Find("textarea").InputAsync(new() { Value = "deploy 812" });
        await dialogs.Find("[data-testid=confirm]").ClickAsync(new());
        await click.WaitAsync(TimeSpan.FromMinutes(1));

        var (action, actor, reason, _) = Assert.Single(Actions.Executed);
        Assert.IsType<DrainAllWorkers>(action);
        Assert.Equal("ops-alice", actor.Name);
        Assert.Equal("deploy 812", reason);
    }

    [Fact]
    public void Viewer_SeesTheDrain_ButNoDrainOrResumeButton()
    {
        CurrentActor.Actor = new Actor("val", "local", null, Roles.Viewer);

        var page = Render<DrainPage>();

        Assert.NotNull(page.Find("[data-testid=drain-running]"));
        Assert.Empty(page.FindAll("[data-testid=drain-all]"));
        Assert.Empty(page.FindAll("[data-testid=resume-all]"));
    }

    [Fact]
    public void Readiness_ShowsEachRunningJobsVerdict_ForTheLinksGracePeriod()
    {
        _readiness.Report = Report(TimeSpan.FromSeconds(90), Verdict.Unsafe);
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/drain?grace=90s");

        var page = Render<DrainPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=readiness-row]")));
        Assert.Equal(TimeSpan.FromSeconds(90), _readiness.Asked[^1]);
        Assert.Equal("unsafe", page.Find("[data-testid=readiness-row]").GetAttribute("data-verdict"));
    }

    [Fact]
    public void Readiness_Unreadable_SaysSo_AndTheRestOfTheViewStays()
    {
        _readiness.Failure = new InvalidOperationException("statement timeout");
        State.Set(Snapshots.Healthy(Snapshots.Create(workers: [Snapshots.Worker("web-1:7", inFlight: 3)], leases: new LeaseTotals(3, 0, Snapshots.Now.AddMinutes(-1)))));

        var page = Render<DrainPage>();

        page.WaitForElement("[data-testid=readiness-error]");
        Assert.Empty(page.FindAll("[data-testid=readiness-row]"));
        Assert.Single(page.FindAll("[data-testid=drain-worker-row]"));
    }

    [Fact]
    public void GraceInTheLink_NotADuration_IsNamed_AndTheDefaultIsUsed()
    {
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/drain?grace=soon");

        var page = Render<DrainPage>();

        page.WaitForAssertion(() => Assert.Contains("not a duration", page.Markup, StringComparison.Ordinal));
        Assert.Equal(GracePeriod.Default, _readiness.Asked[^1]);
    }

    private static string Normalise(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    private static ReadinessReport Report(TimeSpan grace, Verdict verdict) => new(
        grace,
        Snapshots.Now,
        new Dictionary<Verdict, long> { [verdict] = 1 },
        [new RunningJobReadiness(
            7, "invoice.generate", "web-1:7", Snapshots.Now.AddMinutes(-5), TimeSpan.FromMinutes(5), null, TimeSpan.FromMinutes(10),
            RemainingBasis.RecentRuns, TimeSpan.FromMinutes(12), TimeSpan.FromMinutes(15), 20, false, false, null, verdict)],
        []);

    private sealed class FakeReadiness : IDeployReadiness
    {
        public ReadinessReport? Report { get; set; }

        public Exception? Failure { get; set; }

        public List<TimeSpan> Asked { get; } = [];

        public Task<ReadinessReport> GetAsync(TimeSpan grace, CancellationToken ct)
        {
            Asked.Add(grace);
            return Failure is { } failure
                ? Task.FromException<ReadinessReport>(failure)
                : Task.FromResult(Report ?? new ReadinessReport(grace, Snapshots.Now, new Dictionary<Verdict, long>(), [], []));
        }
    }
}
