using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

public sealed class OutageTests(OutageApp app, BrowserFixture browser) : IClassFixture<OutageApp>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Banner_ShowsWhileDatabaseIsDown_AndGoesAwayWhenItIsBack()
    {
        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString() });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", Roles.Operator);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(Roles.Operator));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();

        await app.Postgres.StopAsync();

        var banner = page.Locator("[data-testid=database-banner]");
        await Assertions.Expect(banner).ToContainTextAsync("Database unreachable");
        await Assertions.Expect(banner).ToContainTextAsync("retrying");
        await Assertions.Expect(page.Locator("[data-testid=drain-all]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("[data-testid=state-queued]")).ToBeVisibleAsync();

        await app.Postgres.StartAsync();

        await Assertions.Expect(banner).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=drain-all]")).ToBeEnabledAsync();
    }
}
