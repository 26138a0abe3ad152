using System.Net;
using Dashboard.Testing;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests.Instances;

/// <summary>Two console processes on one database, nothing shared on disk: a session from one is a session on the other.</summary>
public sealed class SharedKeysTests(ConsoleInstances instances) : IClassFixture<ConsoleInstances>
{
    [Fact]
    public async Task ACookieFromOneInstance_IsASessionOnTheOther()
    {
        await using var a = await instances.StartAsync();
        var cookies = new CookieContainer();
        using (var client = Client(a, cookies))
        {
            using var signIn = await DashboardApp.PostSignInAsync(client, "operator", DashboardApp.PasswordOf("operator"));
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            Assert.DoesNotContain("failed", signIn.Headers.Location?.OriginalString ?? "", StringComparison.Ordinal);
        }

        // B starts after A made the key, the way a second instance joins a running one.
        await using var b = await instances.StartAsync();
        var session = cookies.GetCookies(a.BaseAddress)["dashboard.session"] ?? throw new InvalidOperationException("no session cookie");
        var onB = new CookieContainer();
        onB.Add(b.BaseAddress, new Cookie(session.Name, session.Value));
        using var clientB = Client(b, onB);
        clientB.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        using var page = await clientB.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.True(await instances.Database.ScalarAsync<long>("SELECT count(*) FROM data_protection_keys") >= 1);
    }

    private static HttpClient Client(ConsoleProcess app, CookieContainer cookies) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies, UseCookies = true }) { BaseAddress = app.BaseAddress };
}
