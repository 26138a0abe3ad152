using System.Text.RegularExpressions;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>The on-call path in a real browser against the real app and a real PostgreSQL.</summary>
public sealed partial class OnCallTests(DashboardApp app, BrowserFixture browser) : IClassFixture<DashboardApp>, IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private IBrowserContext _context = default!;

    public async Task InitializeAsync()
    {
        // Each scenario starts from an empty, accepting queue (the class shares one app and database).
        await app.Database.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers; UPDATE queue_control SET accepting = true;");
        _context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
        _context.SetDefaultTimeout(BrowserFixture.Patience);
    }

    private int _signedIn;

    public async Task DisposeAsync()
    {
        foreach (var context in _others)
        {
            await context.DisposeAsync();
        }

        await _context.DisposeAsync();
    }

    [Fact]
    public async Task Overview_CountsEqualTheDatabase_AndFollowPsqlUpdates_WithoutReload()
    {
        await app.Database.PsqlAsync("""
            INSERT INTO jobs (kind, state) SELECT 'browser.mail', 'queued' FROM generate_series(1, 40);
            INSERT INTO jobs (kind, state) SELECT 'browser.mail', 'done' FROM generate_series(1, 25);
            INSERT INTO jobs (kind, state, leased_by, leased_at, lease_token) VALUES ('browser.mail', 'processing', 'web-7:4242', now() - interval '9 minutes', gen_random_uuid());
            """);
        var page = await SignInAsync(Roles.Operator);

        foreach (var (state, count) in await app.Database.QueryAsync<(string, long)>("SELECT state, count(*) FROM jobs GROUP BY state"))
        {
            await Assertions.Expect(page.Locator($"[data-testid=state-{state}] .count")).ToHaveTextAsync(count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        await Assertions.Expect(page.Locator("[data-testid=lease-row]", new() { HasText = "web-7:4242" })).ToContainTextAsync("stuck");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("overview.png"), FullPage = true });
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;

        await app.Database.PsqlAsync("UPDATE jobs SET state='paused' WHERE state='queued' AND kind='browser.mail'");

        await Assertions.Expect(page.Locator("[data-testid=state-paused] .count")).ToHaveTextAsync("40");
        await Assertions.Expect(page.Locator("[data-testid=kind-row][data-kind='browser.mail']")).ToContainTextAsync("40");
        await Assertions.Expect(page.Locator("[data-testid=state-queued] .count")).ToHaveTextAsync("0");
        Assert.Equal(0, navigations);
    }

    [Fact]
    public async Task SignIn_RejectsWrongPassword_AndSignOutEndsSession()
    {
        var page = await _context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", Roles.Viewer);
        await page.FillAsync("input[name=password]", "wrong");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator(".signin-error")).ToBeVisibleAsync();

        await page.FillAsync("input[name=name]", Roles.Viewer);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(Roles.Viewer));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=signed-in-as]")).ToContainTextAsync("viewer");
        await page.ClickAsync("[data-testid=signout]");

        await Assertions.Expect(page).ToHaveURLAsync(SignedOutUrl());
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("input[name=password]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task PauseKind_WithReason_MovesQueuedToPaused_AndIsAudited()
    {
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) SELECT 'browser.pause' FROM generate_series(1, 30)");
        var page = await SignInAsync(Roles.Operator);
        var row = page.Locator("[data-testid=kind-row][data-kind='browser.pause']");
        await Assertions.Expect(row).ToBeVisibleAsync();

        await row.Locator("[data-testid=pause-kind]").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog.Locator("[data-testid=preview-summary]")).ToContainTextAsync("30");
        await dialog.Locator("textarea").FillAsync("reindex maintenance INC-4711");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("confirm-dialog.png") });
        await dialog.Locator("[data-testid=confirm]").ClickAsync();

        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Done");
        await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("30");
        await Assertions.Expect(row).ToContainTextAsync("paused");
        Assert.Equal(30, await app.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE kind='browser.pause' AND state='paused'"));

        // Auditors review; operators act.
        var auditor = await SignInAsync(Roles.Auditor);
        await auditor.GotoAsync("/audit");
        page = auditor;
        var entry = page.Locator("[data-testid=audit-row]", new() { HasText = "reindex maintenance INC-4711" });
        await Assertions.Expect(entry).ToContainTextAsync("operator");
        await Assertions.Expect(entry).ToContainTextAsync("pause_kind");
        await Assertions.Expect(entry).ToContainTextAsync("applied");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("audit.png"), FullPage = true });
    }

    [Fact]
    public async Task ForceRelease_ReturnsStuckJobToQueue_AndAWorkerRunsIt()
    {
        var id = await app.Database.ScalarAsync<long>(
            "INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts) "
            + "VALUES ('browser.mail', 'processing', 'dead-host:77', now() - interval '20 minutes', now() - interval '20 minutes', gen_random_uuid(), 1) RETURNING id");
        await using var fleet = await WorkerFleet.StartAsync(app.Database.ConnectionString, "browser-fleet:1");
        var page = await SignInAsync(Roles.Operator);
        var row = page.Locator($"[data-testid=lease-row][data-job-id='{id}']");
        await Assertions.Expect(row).ToContainTextAsync("stuck");

        await row.Locator("[data-testid=release-lease]").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog.Locator("[data-testid=preview-sql]")).ToContainTextAsync("lease_token");
        await dialog.Locator("textarea").FillAsync("dead-host is gone, INC-99");
        await dialog.Locator("[data-testid=confirm]").ClickAsync();

        await Assertions.Expect(row).ToHaveCountAsync(0);
        var state = await EventuallyAsync(() => app.Database.ScalarAsync<string>("SELECT state FROM jobs WHERE id = @id", new { id }), s => s == "done");
        Assert.Equal("done", state);
    }

    [Fact]
    public async Task DrainAll_LetsInFlightFinish_ThenResumeRestartsWork()
    {
        await using var fleet = await WorkerFleet.StartAsync(app.Database.ConnectionString, "browser-fleet:2");
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) VALUES ('browser.slow')");
        await EventuallyAsync(() => app.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE kind='browser.slow' AND state='processing'"), n => n == 1);
        var page = await SignInAsync(Roles.Operator);

        await page.Locator("[data-testid=drain-all]").ClickAsync();
        await page.Locator(".mud-dialog textarea").FillAsync("deploy 2026-11-22");
        await page.Locator(".mud-dialog [data-testid=confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=intake]")).ToContainTextAsync("Intake is paused");
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) VALUES ('browser.mail')");
        await page.GotoAsync("/drain");
        await Assertions.Expect(page.Locator("[data-testid=drain-running]")).ToContainTextAsync("still running");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("drain.png"), FullPage = true });

        fleet.SlowGate.SetResult();

        await Assertions.Expect(page.Locator("[data-testid=drain-running]")).ToContainTextAsync("drained");
        Assert.Equal("queued", await app.Database.ScalarAsync<string>("SELECT state FROM jobs WHERE kind='browser.mail' ORDER BY id DESC LIMIT 1"));
        await page.Locator("[data-testid=resume-all]").ClickAsync();
        await page.Locator(".mud-dialog textarea").FillAsync("deploy done");
        await page.Locator(".mud-dialog [data-testid=confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=intake]")).ToContainTextAsync("accepting");
        var state = await EventuallyAsync(() => app.Database.ScalarAsync<string>("SELECT state FROM jobs WHERE kind='browser.mail' ORDER BY id DESC LIMIT 1"), s => s == "done");
        Assert.Equal("done", state);
    }

    [Fact]
    public async Task Viewer_SeesNoActionButtons_AndAForgedCallIsRefused()
    {
        await app.Database.PsqlAsync(
            "INSERT INTO jobs (kind, state, leased_by, leased_at, lease_token) VALUES ('browser.view', 'processing', 'gone:1', now() - interval '30 minutes', gen_random_uuid());"
            + "INSERT INTO jobs (kind) VALUES ('browser.view');");
        var page = await SignInAsync(Roles.Viewer);
        await Assertions.Expect(page.Locator("[data-testid=lease-row]", new() { HasText = "gone:1" })).ToContainTextAsync("stuck");

        Assert.Equal(0, await page.Locator("[data-testid=release-lease]").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid=pause-kind]").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid=drain-all]").CountAsync());
        var forged = await page.APIRequest.PostAsync("/health/jobs/pause", new() { DataObject = new { reason = "forged" } });

        Assert.Equal(401, forged.Status);
        Assert.True(await app.Database.ScalarAsync<bool>("SELECT accepting FROM queue_control"));
    }

    /// <summary>Reads until the condition holds or a deadline passes (the database is the thing waited on).</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(BrowserFixture.Patience);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }

    private readonly List<IBrowserContext> _others = [];

    private async Task<IPage> SignInAsync(string role)
    {
        // One browser context (cookie jar) per signed-in user, like separate people.
        var context = _context;
        if (_signedIn++ > 0)
        {
            context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
            context.SetDefaultTimeout(BrowserFixture.Patience);
            _others.Add(context);
        }

        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", role);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(role));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        return page;
    }

    [GeneratedRegex("/signin\\?signedOut=1")]
    private static partial Regex SignedOutUrl();
}
