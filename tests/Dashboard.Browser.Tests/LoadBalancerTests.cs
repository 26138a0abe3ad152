using System.Globalization;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Tests.Shared;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>
/// Two console processes behind the repository's nginx configuration (sticky sessions, WebSocket upgrade): when the
/// instance serving an open page dies, the page comes back on the other one, signed in, showing current state.
/// </summary>
public sealed class LoadBalancerTests(ConsoleInstances instances, BrowserFixture browser) : IClassFixture<ConsoleInstances>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task KillingTheServingInstance_ThePageReconnectsToTheOther_WithoutSigningInAgain()
    {
        await instances.Database.PsqlAsync("INSERT INTO jobs (kind, state) SELECT 'lb.mail', 'queued' FROM generate_series(1, 7)");
        var a = await instances.StartAsync();
        var b = await instances.StartAsync();
        await using var nginx = await NginxProcess.StartAsync([a.BaseAddress, b.BaseAddress]);
        using (var http = new HttpClient { BaseAddress = nginx.BaseAddress })
        {
            using var live = await http.GetAsync(new Uri("health/live", UriKind.Relative));
            Assert.True(live.IsSuccessStatusCode, $"{(int)live.StatusCode} through nginx\n{nginx.ErrorLog()}");
        }

        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = nginx.BaseAddress.ToString() });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", Roles.Operator);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(Roles.Operator));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=state-queued] .count")).ToHaveTextAsync("7", new() { Timeout = BrowserFixture.Patience });

        var serving = nginx.LastUpstreamFor("/_blazor") ?? throw new InvalidOperationException("no circuit went through nginx");
        var (dying, surviving) = serving == Authority(a) ? (a, b) : (b, a);
        Assert.Equal(serving, Authority(dying));
        await dying.KillAsync();
        await instances.Database.PsqlAsync("INSERT INTO jobs (kind, state) SELECT 'lb.mail', 'queued' FROM generate_series(1, 5)");

        // The circuit is gone with its instance; the page reconnects through nginx to the survivor.
        await Assertions.Expect(page.Locator("[data-testid=state-queued] .count")).ToHaveTextAsync("12", new() { Timeout = BrowserFixture.Patience });
        Assert.DoesNotContain("/signin", page.Url, StringComparison.Ordinal);
        Assert.Equal(Authority(surviving), nginx.LastUpstreamFor("/_blazor"));
    }

    private static string Authority(ConsoleProcess app) =>
        $"{app.BaseAddress.Host}:{app.BaseAddress.Port.ToString(CultureInfo.InvariantCulture)}";
}
