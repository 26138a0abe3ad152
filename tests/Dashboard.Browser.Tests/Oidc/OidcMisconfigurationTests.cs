using System.Text.RegularExpressions;
using Dashboard.Web.Tests.Shared;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests.Oidc;

/// <summary>A wrong authority or client secret is found at the first sign-in, with one message naming the setting.</summary>
public sealed class OidcMisconfigurationTests(
    WrongSecretOidcApp wrongSecret, WrongSecretWithoutParOidcApp wrongSecretWithoutPar, UnreachableOidcApp unreachable, BrowserFixture browser)
    : IClassFixture<WrongSecretOidcApp>, IClassFixture<WrongSecretWithoutParOidcApp>, IClassFixture<UnreachableOidcApp>, IClassFixture<BrowserFixture>,
        IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    [Fact]
    public async Task UnreachableAuthority_SaysSo_NamingTheSetting()
    {
        var page = await NewPageAsync(unreachable);
        await page.GotoAsync("/drain");
        await page.ClickAsync("[data-testid=sso]");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?sso=unavailable&returnUrl=%2Fdrain$"));
        await Assertions.Expect(page.Locator("[data-testid=sso-error]")).ToContainTextAsync("Dashboard:Auth:Oidc:Authority");
        Assert.Equal(1, await page.Locator("[role=alert]").CountAsync());
    }

    [Fact]
    public async Task WrongClientSecret_IsFoundBeforeTheUserSignsIn_WhenTheProviderTakesPushedRequests()
    {
        var page = await NewPageAsync(wrongSecret);
        await page.GotoAsync("/");
        await page.ClickAsync("[data-testid=sso]");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?sso=client&returnUrl=%2F$"));
        await Assertions.Expect(page.Locator("[data-testid=sso-error]")).ToContainTextAsync("Dashboard:Auth:Oidc:ClientSecret");
    }

    [Fact]
    public async Task WrongClientSecret_IsFoundAtTheCodeRedemption_AndSignsNobodyIn()
    {
        var page = await NewPageAsync(wrongSecretWithoutPar);
        await page.GotoAsync("/");
        await page.ClickAsync("[data-testid=sso]");
        await OidcFlow.SignInAtProviderAsync(page, wrongSecretWithoutPar.Provider!, "olivia");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?sso=client&returnUrl=%2F$"));
        await Assertions.Expect(page.Locator("[data-testid=sso-error]")).ToContainTextAsync("Dashboard:Auth:Oidc:ClientSecret");
        Assert.DoesNotContain(await page.Context.CookiesAsync([wrongSecretWithoutPar.BaseAddress.ToString()]), c => c.Name == "dashboard.session");
    }

    private async Task<IPage> NewPageAsync(DashboardApp app)
    {
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString() });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        _contexts.Add(context);
        return await context.NewPageAsync();
    }
}
