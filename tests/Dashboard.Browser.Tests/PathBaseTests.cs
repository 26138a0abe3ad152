using Dashboard.Core.Changes;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Hubs;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>
/// The console under <c>/ops/jobs/</c> behind the repository's nginx configuration, which strips the prefix and
/// sends <c>X-Forwarded-Prefix</c>: sign-in, links, static assets, Blazor's circuit and the jobs hub all stay under it.
/// </summary>
public sealed class PathBaseTests(ConsoleInstances instances, BrowserFixture browser) : IClassFixture<ConsoleInstances>, IClassFixture<BrowserFixture>
{
    private static readonly Dictionary<string, string> _behindNginx = new() { ["Dashboard__Proxy__TrustedProxies__0"] = "127.0.0.1" };

    [Fact]
    public async Task ThroughNginx_UnderOpsJobs_EveryRequestOfThePageStaysUnderThePrefix()
    {
        await instances.Database.PsqlAsync("INSERT INTO jobs (kind, state) SELECT 'prefix.mail', 'queued' FROM generate_series(1, 4)");
        var a = await instances.StartAsync(_behindNginx);
        var b = await instances.StartAsync(_behindNginx);
        await using var nginx = await NginxProcess.StartAsync([a.BaseAddress, b.BaseAddress]);
        var prefix = new Uri(nginx.BaseAddress, "/ops/jobs/").ToString();

        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = nginx.BaseAddress.ToString() });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) =>
        {
            lock (requests)
            {
                requests.Add(request.Url);
            }
        };

        await page.GotoAsync("/ops/jobs");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/ops/jobs/signin\\?"));
        await page.FillAsync("input[name=name]", Roles.Operator);
        await page.FillAsync("input[name=password]", DashboardApp.PasswordOf(Roles.Operator));
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=state-queued] .count")).ToHaveTextAsync("4");
        Assert.Equal(prefix, page.Url);

        // A link of the page (the queued count of the kind) opens the jobs list under the prefix.
        await page.ClickAsync("[data-testid=kind-row] a[href^='jobs?state=queued']");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(prefix + "jobs?")));
        // The list, or the reason it could not be read: a failed read is named rather than waited out.
        await Assertions.Expect(page.Locator("[data-testid=job-row], [data-testid=jobs-error]").First).ToBeVisibleAsync();
        var error = page.Locator("[data-testid=jobs-error]");
        if (await error.CountAsync() > 0)
        {
            Assert.Fail("The jobs list showed an error: " + await error.First.InnerTextAsync());
        }

        await Assertions.Expect(page.Locator("[data-testid=job-row]")).ToHaveCountAsync(4);

        // Signing out comes back to the sign-in page under the prefix.
        await page.ClickAsync(".wide-only [data-testid=signout]");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/ops/jobs/signin\\?signedOut=1"));

        Assert.NotNull(nginx.LastUpstreamFor("/ops/jobs/_blazor"));
        lock (requests)
        {
            Assert.NotEmpty(requests);
            // The first request is the typed address without its trailing slash, which nginx redirects.
            Assert.Equal(prefix.TrimEnd('/'), requests[0]);
            Assert.All(requests.Skip(1), url => Assert.StartsWith(prefix, url, StringComparison.Ordinal));
            Assert.Contains(requests, url => url.Contains("/_framework/blazor.web.", StringComparison.Ordinal));
            Assert.Contains(requests, url => url.Contains("/app.", StringComparison.Ordinal) && url.EndsWith(".css", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ThroughNginx_UnderOpsJobs_TheHubDeliversSnapshots()
    {
        var a = await instances.StartAsync(_behindNginx);
        await using var nginx = await NginxProcess.StartAsync([a.BaseAddress]);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(nginx.BaseAddress, "/ops/jobs/hubs/jobs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(DashboardApp.OperatorToken))
            .Build();

        await hub.StartAsync();
        var state = await hub.InvokeAsync<FeedState>(nameof(JobsHub.GetSnapshot));

        Assert.Equal(HubConnectionState.Connected, hub.State);
        Assert.NotNull(state);
        Assert.NotNull(nginx.LastUpstreamFor("/ops/jobs/hubs/jobs"));
    }

    [Fact]
    public async Task ConfiguredPathBase_ServesThePagesUnderIt()
    {
        var app = await instances.StartAsync(new Dictionary<string, string> { ["Dashboard__Proxy__PathBase"] = "/ops/jobs" });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        using var signIn = await http.GetAsync(new Uri("/ops/jobs/signin", UriKind.Relative));
        using var overview = await http.GetAsync(new Uri("/ops/jobs/", UriKind.Relative));
        using var ready = await http.GetAsync(new Uri("/ops/jobs/health/ready", UriKind.Relative));

        var html = await signIn.Content.ReadAsStringAsync();
        Assert.Contains("<base href=\"/ops/jobs/\"", html, StringComparison.Ordinal);
        Assert.Contains("action=\"account/signin\"", html, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, overview.StatusCode);
        Assert.StartsWith("/ops/jobs/signin", overview.Headers.Location!.IsAbsoluteUri ? overview.Headers.Location.AbsolutePath : overview.Headers.Location.OriginalString, StringComparison.Ordinal);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }
}
