using System.Globalization;
using Dashboard.Core.Demo;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>
/// The incident scenario (built by the same <see cref="IncidentData"/> as <c>scripts/run.sh --scenario incident</c>,
/// with a smaller backlog) opened in a real browser: the figures equal the database's and filtered views are links.
/// </summary>
public sealed class IncidentTests(DashboardApp app, BrowserFixture browser) : IClassFixture<DashboardApp>, IClassFixture<BrowserFixture>, IAsyncLifetime
{
    // Ground truth written out in plain SQL, independent of the console's rule functions.
    private const string StuckSql = """
        SELECT count(*) FROM jobs j LEFT JOIN job_kinds k ON k.kind = j.kind
        WHERE j.state = 'processing'
          AND coalesce(j.heartbeat_at, j.leased_at) < now() - coalesce(k.lease_timeout, interval '5 minutes')
        """;

    private IBrowserContext _context = default!;
    private IBrowserContext? _other;

    public async Task InitializeAsync()
    {
        await app.Database.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers; UPDATE queue_control SET accepting = true;");
        Assert.True(await new IncidentData(app.Database.Db).LoadAsync(backlog: 20_000));
        _context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
        _context.SetDefaultTimeout(BrowserFixture.Patience);
    }

    public async Task DisposeAsync()
    {
        if (_other is not null)
        {
            await _other.DisposeAsync();
        }

        await _context.DisposeAsync();
    }

    [Fact]
    public async Task Incident_ShowsTheDatabasesStuckCount_FindsAKindAmongHundreds_AndAPastedUrlReproducesAView()
    {
        var page = await SignInAsync(Roles.Operator);

        // The stuck count is the database's, not the length of a list.
        var stuck = await app.Database.ScalarAsync<long>(StuckSql);
        Assert.True(stuck >= IncidentData.StuckLeases);
        await Assertions.Expect(page.Locator("[data-testid=stuck-count]")).ToHaveTextAsync($"{N(stuck)} stuck");
        await Assertions.Expect(page.Locator("[data-testid=kind-count]")).ToContainTextAsync("kinds");

        // Typing filters the kinds table among 300+ kinds, and the filter lands in the URL.
        await page.Locator("input[data-testid=kind-filter]").FillAsync("kind-137");
        await Assertions.Expect(page.Locator("[data-testid=kind-row]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=kind-row]")).ToHaveAttributeAsync("data-kind", "incident.kind-137");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("q=kind-137"));

        // A link pasted into another person's browser shows the same filtered list: the stuck leases of one kind.
        var kindStuck = await app.Database.ScalarAsync<long>(StuckSql + " AND j.kind = 'incident.kind-042'");
        var other = await SignInAsync(Roles.Viewer, newContext: true);
        await other.GotoAsync("/?kind=incident.kind-042&stuck=1#processing");
        await Assertions.Expect(other.Locator("[data-testid=lease-total]")).ToContainTextAsync($"of {N(kindStuck)} matching");
        var rows = other.Locator("[data-testid=lease-row]");
        await Assertions.Expect(rows).ToHaveCountAsync((int)Math.Min(kindStuck, 25));
        foreach (var kind in await rows.Locator("td:nth-child(2)").AllTextContentsAsync())
        {
            Assert.Equal("incident.kind-042", kind);
        }

        await Assertions.Expect(other.Locator("[data-testid=lease-kind-filter]")).ToContainTextAsync("incident.kind-042");
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private async Task<IPage> SignInAsync(string role, bool newContext = false)
    {
        var context = _context;
        if (newContext)
        {
            context = _other = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
            context.SetDefaultTimeout(BrowserFixture.Patience);
        }

        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", role);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(role));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        return page;
    }
}
