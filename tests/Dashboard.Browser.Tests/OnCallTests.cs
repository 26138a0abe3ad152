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
        _context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
        _context.SetDefaultTimeout(15_000);
    }

    public Task DisposeAsync() => _context.DisposeAsync().AsTask();

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

    private async Task<IPage> SignInAsync(string role)
    {
        var page = await _context.NewPageAsync();
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
