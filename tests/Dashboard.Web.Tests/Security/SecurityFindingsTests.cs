using System.Net;
using System.Text;
using System.Text.Json;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests.Security;

/// <summary>The findings of a hostile probe of the running console, each reproduced as it was reported.</summary>
public sealed class SecurityFindingsTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    private const string Evil = "https://evil.example";

    [Theory]
    [InlineData("/hubs/jobs/negotiate?negotiateVersion=1")]
    [InlineData("/HUBS/JOBS/negotiate?negotiateVersion=1")]
    [InlineData("/Hubs/Jobs/Negotiate?negotiateVersion=1")]
    [InlineData("/hubs/jobs/negotiate/?negotiateVersion=1")]
    [InlineData("/_blazor/negotiate?negotiateVersion=1")]
    [InlineData("/_BLAZOR/negotiate?negotiateVersion=1")]
    public async Task SignalREndpoints_RefuseAForeignOrigin_InAnyLetterCase(string path)
    {
        using var client = app.NewClient(await app.SignInAsync(Roles.Viewer));
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Origin", Evil);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("/hubs/jobs/negotiate?negotiateVersion=1")]
    [InlineData("/_blazor/negotiate?negotiateVersion=1")]
    public async Task SignalREndpoints_AcceptTheConsolesOwnOrigin(string path)
    {
        using var client = app.NewClient(await app.SignInAsync(Roles.Viewer));
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Origin", app.BaseAddress.GetLeftPart(UriPartial.Authority));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/\t/evil.example/x")]
    [InlineData("/\n/evil.example/x")]
    [InlineData("/\r\nSet-Cookie: a=b")]
    [InlineData("/ /evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/\u3000/evil.example")]
    public async Task SignIn_SendsHome_WhenTheReturnUrlIsNotAPlainLocalPath(string returnUrl)
    {
        using var client = app.NewClient();

        using var response = await PostSignInAsync(client, Roles.Viewer, DashboardApp.PasswordOf(Roles.Viewer), returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignIn_KeepsAPlainLocalReturnUrl()
    {
        using var client = app.NewClient();

        using var response = await PostSignInAsync(client, Roles.Viewer, DashboardApp.PasswordOf(Roles.Viewer), "/audit?actor=alice&page=2");

        Assert.Equal("/audit?actor=alice&page=2", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignOut_EndsTheSessionOnTheServer_ForACopiedCookieOnEveryInstance()
    {
        // Arrange: one session, its cookie copied; a second console instance on the same database.
        await using var second = new SecondInstance(app.Database.ConsoleConnectionString);
        await second.InitializeAsync();
        var cookies = await app.SignInAsync(Roles.Viewer);
        var copied = cookies.GetCookieHeader(app.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, await StatusWithCookieAsync(second.BaseAddress, "/", copied));

        // Act
        using (var client = app.NewClient(cookies))
        {
            var token = await DashboardApp.AntiforgeryTokenAsync(client);
            using var signOut = await client.PostAsync("/account/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }

        // Assert: the copy opens neither the page nor the hub, here or on the other instance.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithCookieAsync(app.BaseAddress, "/", copied));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithCookieAsync(app.BaseAddress, "/hubs/jobs/negotiate?negotiateVersion=1", copied, HttpMethod.Post));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithCookieAsync(second.BaseAddress, "/", copied));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithCookieAsync(second.BaseAddress, "/hubs/jobs/negotiate?negotiateVersion=1", copied, HttpMethod.Post));
    }

    [Theory]
    [InlineData("PUT", "/health/jobs/pause", "POST")]
    [InlineData("GET", "/health/jobs/pause", "POST")]
    [InlineData("DELETE", "/health/jobs/resume", "POST")]
    [InlineData("POST", "/health/jobs", "GET")]
    [InlineData("PATCH", "/HEALTH/JOBS/PAUSE", "POST")]
    public async Task DeployGate_Answers405_ToAWrongMethodWithAValidToken(string method, string path, string allow)
    {
        using var client = TokenClient(DashboardApp.OperatorToken);
        var before = await StateAsync();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(",", response.Content.Headers.Allow));
        Assert.Equal("method not allowed", await ErrorOfAsync(response));
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task DeployGate_Answers401WithAChallenge_ToAWrongMethodWithoutAToken()
    {
        using var client = app.NewClient();

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/health/jobs/pause"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("text/plain", "{\"reason\": \"x\"}", HttpStatusCode.UnsupportedMediaType, "unsupported media type")]
    [InlineData("application/x-www-form-urlencoded", "reason=x", HttpStatusCode.UnsupportedMediaType, "unsupported media type")]
    [InlineData("application/json", "{\"reason\": ", HttpStatusCode.BadRequest, "malformed JSON")]
    [InlineData("application/json", "[1, 2]", HttpStatusCode.BadRequest, "malformed JSON")]
    [InlineData("application/json", "{\"reason\": 5}", HttpStatusCode.BadRequest, "malformed JSON")]
    public async Task DeployGate_RefusesABadBody_WithAJsonError_AndChangesNothing(string contentType, string body, HttpStatusCode expected, string error)
    {
        using var client = TokenClient(DashboardApp.OperatorToken);
        var before = await StateAsync();

        using var response = await client.PostAsync("/health/jobs/pause", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(error, await ErrorOfAsync(response));
        Assert.Equal(before, await StateAsync());
    }

    private HttpClient TokenClient(string token)
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    private async Task<(bool Accepting, long AuditEntries)> StateAsync() =>
        (await app.Database.ScalarAsync<bool>("SELECT accepting FROM queue_control"), await app.Database.ScalarAsync<long>("SELECT count(*) FROM audit_log"));

    private static async Task<string?> ErrorOfAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetString();
    }

    private static async Task<HttpStatusCode> StatusWithCookieAsync(Uri baseAddress, string path, string cookie, HttpMethod? method = null)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    internal static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string name, string password, string returnUrl)
    {
        var token = await DashboardApp.AntiforgeryTokenAsync(client);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["name"] = name,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        });
        return await client.PostAsync("/account/signin", form);
    }

    /// <summary>Another console instance on the same database (as behind a load balancer).</summary>
    private sealed class SecondInstance(string connectionString) : DashboardApp
    {
        protected override string JobsConnectionString => connectionString;
    }
}
