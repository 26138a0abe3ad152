using Dashboard.Core.Actions;
using Dashboard.Core.Changes;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Tests.Shared;
using MudBlazor;

namespace Dashboard.Web.Tests;

public sealed class ActionDialogTests : DashboardTestContext
{
    private static DashboardSnapshot WithStuckLease() => Snapshots.Create(
        kinds: [Snapshots.Kind("email.send")],
        processing: [Snapshots.Lease(42, "web-2:88", TimeSpan.FromMinutes(9), stuck: true)],
        workers: [new WorkerStatus("web-2:88", "running", false, 1, 4, Snapshots.Now.AddHours(-1), Snapshots.Now, true)]);

    [Fact]
    public async Task ForceRelease_ShowsPreviewAndSql_AndNeedsAReason()
    {
        State.Set(Snapshots.Healthy(WithStuckLease()));
        var dialogs = Render<MudDialogProvider>();
        var page = Render<OverviewPage>();

        var click = page.Find("[data-testid=release-lease]").ClickAsync(new());

        dialogs.WaitForAssertion(() => Assert.Equal("preview of release_lease", dialogs.Find("[data-testid=preview-summary]").TextContent));
        Assert.Contains("UPDATE jobs", dialogs.Find("[data-testid=preview-sql]").TextContent, StringComparison.Ordinal);
        Assert.True(dialogs.Find("[data-testid=confirm]").HasAttribute("disabled"));
        await dialogs.Find("[data-testid=confirm]").ClickAsync(new());
        await dialogs.Find("[data-testid=cancel]").ClickAsync(new());
        await click.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Empty(Actions.Executed);
    }

    [Fact]
    public async Task ForceRelease_SendsWhatTheOperatorSaw_WithReason()
    {
        State.Set(Snapshots.Healthy(WithStuckLease()));
        var dialogs = Render<MudDialogProvider>();
        var page = Render<OverviewPage>();
        var seen = State.Current.Snapshot!.Processing.Single();

        var click = page.Find("[data-testid=release-lease]").ClickAsync(new());
        dialogs.WaitForElement("[data-testid=preview-summary]");
        await dialogs.Find("textarea").InputAsync(new() { Value = "worker host died <b>INC-12</b>" });
        await dialogs.Find("[data-testid=confirm]").ClickAsync(new());
        await click.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Single(Actions.Executed);
        var (action, actor, reason, key) = Actions.Executed.Single();
        Assert.Equal(new ReleaseLease(42, "web-2:88", seen.LeaseToken), action);
        Assert.Equal("ops-alice", actor.Name);
        Assert.Equal("worker host died <b>INC-12</b>", reason);
        Assert.StartsWith("ui:", key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShownSql_CarriesTheSignedInActorAndTheReasonAsTyped_AsQuotedLiterals()
    {
        State.Set(Snapshots.Healthy(WithStuckLease()));
        var dialogs = Render<MudDialogProvider>();
        var page = Render<OverviewPage>();

        var click = page.Find("[data-testid=release-lease]").ClickAsync(new());
        dialogs.WaitForElement("[data-testid=preview-summary]");
        await dialogs.Find("textarea").InputAsync(new() { Value = "O'Brien said so" });

        var sql = dialogs.Find("[data-testid=preview-sql]").TextContent;
        Assert.StartsWith("BEGIN;", sql, StringComparison.Ordinal);
        Assert.Contains("UPDATE jobs SET state = 'paused' WHERE kind = 'release_lease';", sql, StringComparison.Ordinal);
        Assert.Contains("'ops-alice', 'local', '10.0.0.7', 'release_lease'", sql, StringComparison.Ordinal);
        Assert.Contains("'O''Brien said so'", sql, StringComparison.Ordinal);
        Assert.DoesNotContain(":actor", sql, StringComparison.Ordinal);
        Assert.EndsWith("COMMIT;", sql, StringComparison.Ordinal);
        await dialogs.Find("[data-testid=cancel]").ClickAsync(new());
        await click.WaitAsync(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Refused_IsShownToTheOperator()
    {
        State.Set(Snapshots.Healthy(WithStuckLease()));
        Actions.NextResult = new ActionResult(ActionOutcome.Refused, "job 42 is now held by web-3:12", 0, 7, false);
        var dialogs = Render<MudDialogProvider>();
        var toasts = Render<MudSnackbarProvider>();
        var page = Render<OverviewPage>();

        var click = page.Find("[data-testid=release-lease]").ClickAsync(new());
        dialogs.WaitForElement("[data-testid=preview-summary]");
        await dialogs.Find("textarea").InputAsync(new() { Value = "stuck" });
        await dialogs.Find("[data-testid=confirm]").ClickAsync(new());
        await click.WaitAsync(TimeSpan.FromMinutes(1));

        toasts.WaitForAssertion(() => Assert.Contains("Refused, the state moved on: job 42 is now held by web-3:12", toasts.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void Viewer_SeesNoActionButtons()
    {
        CurrentActor.Actor = new Actor("val", "local", null, Roles.Viewer);
        State.Set(Snapshots.Healthy(WithStuckLease()));

        var page = Render<OverviewPage>();

        Assert.NotEmpty(page.FindAll("[data-testid=lease-row]"));
        Assert.Empty(page.FindAll("[data-testid=release-lease]"));
        Assert.Empty(page.FindAll("[data-testid=pause-kind]"));
        Assert.Empty(page.FindAll("[data-testid=drain-worker]"));
        Assert.Empty(page.FindAll("[data-testid=drain-all]"));
    }

    [Fact]
    public void Operator_SeesActionButtons_DisabledWhileDatabaseIsUnreachable()
    {
        State.Set(new FeedState(WithStuckLease(), "connection refused", Snapshots.Now));

        var page = Render<OverviewPage>();

        Assert.True(page.Find("[data-testid=release-lease]").HasAttribute("disabled"));
        Assert.True(page.Find("[data-testid=pause-kind]").HasAttribute("disabled"));
        Assert.True(page.Find("[data-testid=drain-all]").HasAttribute("disabled"));
    }
}
