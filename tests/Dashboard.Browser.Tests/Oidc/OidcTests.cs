using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests.Oidc;

/// <summary>Signing in through a real OpenID provider in a real browser: roles from groups, refusal, sign-out, expiry, audit.</summary>
public sealed class OidcTests(OidcApp app, BrowserFixture browser) : IClassFixture<OidcApp>, IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    public async Task InitializeAsync()
    {
        app.Clock.Offset = TimeSpan.Zero;
        await app.Database.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers; UPDATE queue_control SET accepting = true;");
    }

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    [Fact]
    public async Task SignIn_ThroughTheProvider_LandsOnThePageAskedFor_WithTheRoleOfTheGroups()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/drain");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=%2Fdrain$", RegexOptions.IgnoreCase));

        await page.ClickAsync("[data-testid=sso]");
        await OidcFlow.SignInAtProviderAsync(page, app.Provider!, "olivia");

        // olivia is in jobs-operators and engineering: the most capable mapped role wins.
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(app.BaseAddress, "/drain").ToString());
        await Assertions.Expect(page.Locator("[data-testid=drain-running]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=signed-in-as]")).ToContainTextAsync("olivia");
        await Assertions.Expect(page.Locator("[data-testid=signed-in-as]")).ToContainTextAsync("operator");

        // vera is only in engineering: a viewer, who sees the queue and no action buttons.
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) VALUES ('oidc.view')");
        var viewer = await SignInAsync("vera");
        await Assertions.Expect(viewer.Locator("[data-testid=signed-in-as]")).ToContainTextAsync("viewer");
        await Assertions.Expect(viewer.Locator("[data-testid=kind-row][data-kind='oidc.view']")).ToBeVisibleAsync();
        Assert.Equal(0, await viewer.Locator("[data-testid=pause-kind]").CountAsync());
    }

    [Fact]
    public async Task UserWhoseGroupsMapToNothing_GetsARefusalPage_AndNoSession()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/");
        await page.ClickAsync("[data-testid=sso]");
        await OidcFlow.SignInAtProviderAsync(page, app.Provider!, "sam");

        await Assertions.Expect(page).ToHaveURLAsync(new Uri(app.BaseAddress, "/signin/refused").ToString());
        await Assertions.Expect(page.Locator("[data-testid=signin-refused]")).ToContainTextAsync("none of your groups gives you a role");
        Assert.DoesNotContain(await page.Context.CookiesAsync([app.BaseAddress.ToString()]), c => c.Name == "dashboard.session");
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=", RegexOptions.IgnoreCase));
    }

    [Fact]
    public async Task SignOut_EndsTheConsoleSession_AndTheProviderSession()
    {
        var page = await SignInAsync("olivia");

        // While the provider's session lives, single sign-on does not ask again.
        var again = await page.Context.NewPageAsync();
        await again.GotoAsync("/signin");
        await again.ClickAsync("[data-testid=sso]");
        await Assertions.Expect(again.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        await again.CloseAsync();

        await page.ClickAsync("[data-testid=signout]");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?signedOut=1$"));
        Assert.DoesNotContain(await page.Context.CookiesAsync([app.BaseAddress.ToString()]), c => c.Name == "dashboard.session");
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=", RegexOptions.IgnoreCase));
        await page.ClickAsync("[data-testid=sso]");
        await Assertions.Expect(page.Locator("input[name=login]")).ToBeVisibleAsync();
        Assert.StartsWith(app.Provider!.Issuer.GetLeftPart(UriPartial.Authority), page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenConsole_StopsActing_OnceTheProviderTokensExpire()
    {
        var page = await SignInAsync("olivia");
        var before = await NegotiateHubAsync(page);

        // Past the provider's token lifetime, well within the console's own 8 h session lifetime.
        app.Clock.Offset = OidcApp.TokenLifetime + TimeSpan.FromMinutes(1);

        // The open page re-checks its sign-in every second and leaves for the sign-in page (waited for, no time bound).
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=", RegexOptions.IgnoreCase));
        var after = await NegotiateHubAsync(page);
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=", RegexOptions.IgnoreCase));
        Assert.Equal(200, before);
        Assert.Equal(401, after);
    }

    [Fact]
    public async Task ActionByAnOidcUser_IsAudited_WithTheProvidersUserName_AndMethodOidc()
    {
        await app.Database.PsqlAsync("INSERT INTO jobs (kind) SELECT 'oidc.pause' FROM generate_series(1, 5)");
        var page = await SignInAsync("olivia");
        var row = page.Locator("[data-testid=kind-row][data-kind='oidc.pause']");

        await row.Locator("[data-testid=pause-kind]").ClickAsync();
        await page.Locator(".mud-dialog textarea").FillAsync("paused through single sign-on INC-19");
        await page.Locator(".mud-dialog [data-testid=confirm]").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Done");

        var entries = (await app.Database.QueryAsync<(string Actor, string Method, string Outcome)>(
            "SELECT actor, auth_method, split_part(outcome, ':', 1) FROM audit_log WHERE reason = 'paused through single sign-on INC-19'")).ToList();
        Assert.Equal([("olivia", "oidc", "applied")], entries);
    }

    /// <summary>Opens the hub with the browser's cookies, as the console's own live connection would.</summary>
    private static async Task<int> NegotiateHubAsync(IPage page) =>
        (await page.APIRequest.PostAsync("/hubs/jobs/negotiate?negotiateVersion=1")).Status;

    private async Task<IPage> NewPageAsync()
    {
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    /// <summary>A fresh browser (no console or provider cookies) signed in through the provider, on the overview.</summary>
    private async Task<IPage> SignInAsync(string user)
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/");
        await page.ClickAsync("[data-testid=sso]");
        await OidcFlow.SignInAtProviderAsync(page, app.Provider!, user);
        await Assertions.Expect(page.Locator("[data-testid=kind-table]")).ToBeVisibleAsync();
        return page;
    }
}

public static class OidcFlow
{
    /// <summary>Fills in the test provider's own sign-in form (the browser is on the provider's origin).</summary>
    public static async Task SignInAtProviderAsync(IPage page, TestOidcProvider provider, string user)
    {
        await Assertions.Expect(page.Locator("input[name=login]")).ToBeVisibleAsync();
        Assert.StartsWith(provider.Issuer.GetLeftPart(UriPartial.Authority), page.Url, StringComparison.Ordinal);
        await page.FillAsync("input[name=login]", user);
        await page.FillAsync("input[name=password]", TestOidcProvider.PasswordOf(user));
        await page.ClickAsync("#provider-signin");
    }
}
