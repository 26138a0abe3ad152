using System.Net;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests.Security;

/// <summary>Behind a TLS-terminating proxy: forwarded scheme and address are believed from trusted proxies only.</summary>
public sealed class ForwardedHeadersTests(ForwardedHeadersTests.ProxiedApp proxied, DashboardApp direct)
    : IClassFixture<ForwardedHeadersTests.ProxiedApp>, IClassFixture<DashboardApp>
{
    [Fact]
    public async Task SessionCookie_IsSecure_WhenATrustedProxyForwardsHttps()
    {
        var setCookie = await SignInSetCookieAsync(proxied, forwardedProto: "https");

        Assert.Contains("; secure", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SessionCookie_IsNotSecure_OverPlainHttpWithoutForwarding()
    {
        var setCookie = await SignInSetCookieAsync(proxied, forwardedProto: null);

        Assert.DoesNotContain("; secure", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ForwardedHeaders_AreIgnored_WithoutATrustedProxy()
    {
        var setCookie = await SignInSetCookieAsync(direct, forwardedProto: "https");

        Assert.DoesNotContain("; secure", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AuditLog_RecordsTheForwardedClientAddress_OnlyFromATrustedProxy()
    {
        var viaProxy = await PauseAndReadSourceAsync(proxied, "203.0.113.9");
        var direct1 = await PauseAndReadSourceAsync(direct, "203.0.113.9");

        Assert.Equal("203.0.113.9", viaProxy);
        Assert.Equal("127.0.0.1", direct1);
    }

    private static async Task<string> SignInSetCookieAsync(DashboardApp app, string? forwardedProto)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };
        using var page = await client.GetAsync("/signin");
        var antiforgeryCookie = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var token = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["name"] = Roles.Viewer,
                ["password"] = DashboardApp.PasswordOf(Roles.Viewer),
                ["returnUrl"] = "/",
            }),
        };
        request.Headers.Add("Cookie", antiforgeryCookie);
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("dashboard.session=", StringComparison.Ordinal));
    }

    private static async Task<string?> PauseAndReadSourceAsync(DashboardApp app, string forwardedFor)
    {
        using var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", DashboardApp.OperatorToken);
        var key = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/health/jobs/pause")
        {
            Content = new StringContent($"{{\"reason\": \"proxy test\", \"idempotency_key\": \"{key}\"}}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await app.Database.ScalarAsync<string?>("SELECT source_address FROM audit_log WHERE idempotency_key = @key", new { key });
    }

    /// <summary>The console behind nginx on the same host: 127.0.0.1 is its trusted proxy.</summary>
    public sealed class ProxiedApp : DashboardApp
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Dashboard:Proxy:TrustedProxies:0", "127.0.0.1")];
    }
}
