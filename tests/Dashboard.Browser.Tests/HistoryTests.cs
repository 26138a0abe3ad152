using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>The kind page's charts and the overview's alerts, following jobs the test makes, in a real browser.</summary>
public sealed class HistoryTests(DashboardApp app, BrowserFixture browser) : IClassFixture<DashboardApp>, IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private IBrowserContext _context = default!;

    public async Task InitializeAsync()
    {
        await app.Database.PsqlAsync("DELETE FROM jobs; UPDATE queue_control SET accepting = true;");
        _context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1100 } });
        _context.SetDefaultTimeout(BrowserFixture.Patience);
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task KindPage_ChartsFollowABurst_AndTheOverviewShowsTheFiringAlert()
    {
        await app.Database.PsqlAsync("""
            INSERT INTO alert_rules (name, kind, condition, threshold) VALUES ('burst backlog', 'browser.burst', 'backlog_above', 50);
            """);
        var page = await _context.NewPageAsync();
        await page.GotoAsync("/kinds/browser.burst");
        await page.FillAsync("input[name=name]", Roles.Operator);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(Roles.Operator));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=kind-name]")).ToHaveTextAsync("browser.burst");

        // A burst: 120 jobs queued at once. The backlog chart's newest point follows.
        await app.Database.PsqlAsync("INSERT INTO jobs (kind, run_at) SELECT 'browser.burst', now() - interval '3 seconds' FROM generate_series(1, 120)");
        var queued = page.Locator("[data-testid=chart-backlog] [data-testid=legend][data-series=queued]");
        await Assertions.Expect(queued).ToHaveAttributeAsync("data-last", "120");
        await Assertions.Expect(page.Locator("[data-testid=chart-backlog] polyline[data-series=queued]")).ToHaveCountAsync(1);

        // The alert fired on the backlog, and the overview says so.
        var overview = await _context.NewPageAsync();
        await overview.GotoAsync("/");
        await Assertions.Expect(overview.Locator("[data-testid=alert-row][data-state=firing]")).ToContainTextAsync("browser.burst: backlog 120 jobs");
        await Assertions.Expect(overview.Locator("[data-testid=kind-row][data-kind='browser.burst'] [data-testid=spark-backlog]")).ToHaveAttributeAsync("data-last", "120");
        await overview.ScreenshotAsync(new() { Path = Screenshots.PathOf("overview-alert.png"), FullPage = true });

        // Workers finish them: throughput rises, the backlog falls to zero, without a reload.
        await app.Database.PsqlAsync("""
            UPDATE jobs SET state = 'done', leased_by = 'w:1', leased_at = now() - interval '2 seconds', finished_at = now()
            WHERE kind = 'browser.burst'
            """);
        await page.BringToFrontAsync();
        await Assertions.Expect(page.Locator("[data-testid=chart-throughput] [data-testid=legend][data-series=done]")).ToHaveAttributeAsync("data-total", "120");
        await Assertions.Expect(queued).ToHaveAttributeAsync("data-last", "0");
        await Assertions.Expect(page.Locator("[data-testid=chart-runtime] [data-testid=legend][data-series=p50]")).ToHaveAttributeAsync("data-last", "2");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("kind.png"), FullPage = true });
        await overview.BringToFrontAsync();
        await Assertions.Expect(overview.Locator("[data-testid=alert-row][data-state=resolved]")).ToContainTextAsync("browser.burst");
    }

    [Fact]
    public async Task AlertsPage_AdminEditsARule_WithAReason_AndTheChangeIsAudited()
    {
        await app.Database.PsqlAsync("INSERT INTO alert_rules (name, condition, threshold) VALUES ('browser edit', 'backlog_above', 500)");
        var page = await ConsolePages.SignInAsync(_context, Roles.Admin);
        await page.GotoAsync("/alerts");
        var row = page.Locator("[data-testid=alert-rule][data-name='browser edit']");
        await row.Locator("[data-testid=edit-rule]").ClickAsync();
        var threshold = page.Locator("input[data-testid=rule-threshold], [data-testid=rule-threshold] input");
        // The form is filled in by the server: typing before it arrived would be overwritten.
        await Assertions.Expect(threshold).ToHaveValueAsync("500");
        await threshold.FillAsync("750");
        await threshold.PressAsync("Tab");
        await page.Locator("[data-testid=save-rule]").ClickAsync();

        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog.Locator("[data-testid=preview-summary]")).ToContainTextAsync("backlog above 750 jobs");
        await dialog.Locator("textarea").FillAsync("fewer pages at night INC-812");
        await dialog.Locator("[data-testid=confirm]").ClickAsync();

        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Done");
        await Assertions.Expect(row).ToContainTextAsync("backlog above 750 jobs");
        Assert.Equal(750, await app.Database.ScalarAsync<double>("SELECT threshold FROM alert_rules WHERE name = 'browser edit'"));
        Assert.Equal(1, await app.Database.ScalarAsync<long>(
            "SELECT count(*) FROM audit_log WHERE action = 'save_alert_rule' AND reason = 'fewer pages at night INC-812' AND outcome LIKE 'applied:%'"));

        // Operators see the rules but no form; the server would refuse them anyway.
        var operatorPage = await ConsolePages.SignInAsync(await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString() }), Roles.Operator);
        await operatorPage.GotoAsync("/alerts");
        await Assertions.Expect(operatorPage.Locator("[data-testid=alert-rule][data-name='browser edit']")).ToBeVisibleAsync();
        await Assertions.Expect(operatorPage.Locator("[data-testid=rule-form]")).ToHaveCountAsync(0);
        await operatorPage.Context.DisposeAsync();
    }
}
