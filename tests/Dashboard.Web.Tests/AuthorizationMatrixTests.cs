using System.Net;
using Dashboard.Core.Security;
using Dashboard.Web.Hubs;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Web.Tests;

/// <summary>
/// Every route and hub method the app exposes × every kind of caller. The routes come from the app itself, so a new
/// route without a rule here fails the test until someone decides who may call it.
/// </summary>
public sealed class AuthorizationMatrixTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    private enum Access { Public, Browser, Token, Hub }

    /// <summary>Who may call what: (access, permission). Browser = cookie session; Token = bearer only; Hub = either.</summary>
    private static readonly Dictionary<string, (Access Access, string? Permission)> _rules = new(StringComparer.Ordinal)
    {
        ["GET /"] = (Access.Browser, Permissions.ViewQueue),
        ["POST /"] = (Access.Browser, Permissions.ViewQueue),
        ["GET /denied"] = (Access.Browser, Permissions.ViewQueue),
        ["POST /denied"] = (Access.Browser, Permissions.ViewQueue),
        ["GET /drain"] = (Access.Browser, Permissions.ViewQueue),
        ["POST /drain"] = (Access.Browser, Permissions.ViewQueue),
        ["GET /jobs"] = (Access.Browser, Permissions.ViewQueue),
        ["POST /jobs"] = (Access.Browser, Permissions.ViewQueue),
        ["GET /jobs/{Id:long}"] = (Access.Browser, Permissions.ViewQueue),
        ["POST /jobs/{Id:long}"] = (Access.Browser, Permissions.ViewQueue),
        ["GET /audit"] = (Access.Browser, Permissions.ReadAudit),
        ["POST /audit"] = (Access.Browser, Permissions.ReadAudit),
        ["GET /audit/export.csv"] = (Access.Browser, Permissions.ExportAudit),
        ["GET /health/jobs/"] = (Access.Token, Permissions.ViewQueue),
        ["POST /health/jobs/pause"] = (Access.Token, Permissions.PauseIntake),
        ["POST /health/jobs/resume"] = (Access.Token, Permissions.ResumeIntake),
        ["ANY /health/live"] = (Access.Public, null),
        ["ANY /health/ready"] = (Access.Public, null),
        // Every other method on the deploy gate: 405 for a token holder.
        ["DELETE /health/jobs/"] = (Access.Token, null),
        ["DELETE /health/jobs/pause"] = (Access.Token, null),
        ["DELETE /health/jobs/resume"] = (Access.Token, null),
        ["GET /health/jobs/pause"] = (Access.Token, null),
        ["GET /health/jobs/resume"] = (Access.Token, null),
        ["OPTIONS /health/jobs/"] = (Access.Token, null),
        ["OPTIONS /health/jobs/pause"] = (Access.Token, null),
        ["OPTIONS /health/jobs/resume"] = (Access.Token, null),
        ["PATCH /health/jobs/"] = (Access.Token, null),
        ["PATCH /health/jobs/pause"] = (Access.Token, null),
        ["PATCH /health/jobs/resume"] = (Access.Token, null),
        ["POST /health/jobs/"] = (Access.Token, null),
        ["PUT /health/jobs/"] = (Access.Token, null),
        ["PUT /health/jobs/pause"] = (Access.Token, null),
        ["PUT /health/jobs/resume"] = (Access.Token, null),
        ["TRACE /health/jobs/"] = (Access.Token, null),
        ["TRACE /health/jobs/pause"] = (Access.Token, null),
        ["TRACE /health/jobs/resume"] = (Access.Token, null),
        ["GET /kinds/{Kind}"] = (Access.Browser, Permissions.ViewQueue),
        ["POST /kinds/{Kind}"] = (Access.Browser, Permissions.ViewQueue),
        ["GET /alerts"] = (Access.Browser, Permissions.ViewQueue),
        ["POST /alerts"] = (Access.Browser, Permissions.ViewQueue),
        ["ANY /metrics"] = (Access.Token, Permissions.ViewQueue),
        ["GET /signin"] = (Access.Public, null),
        ["POST /signin"] = (Access.Public, null),
        ["GET /signin/refused"] = (Access.Public, null),
        ["POST /signin/refused"] = (Access.Public, null),
        ["POST /account/signin"] = (Access.Public, null),
        ["GET /account/signin-oidc-start"] = (Access.Public, null),
        ["POST /account/signout"] = (Access.Browser, null),
        ["GET /_framework/opaque-redirect"] = (Access.Browser, null),
        ["GET /{**path:file}"] = (Access.Browser, null),
        // The circuit's own SignalR endpoints (any method).
        ["ANY /_blazor"] = (Access.Browser, null),
        ["ANY /_blazor/negotiate"] = (Access.Browser, null),
        ["ANY /_blazor/disconnect/"] = (Access.Browser, null),
        ["ANY /_blazor/initializers/"] = (Access.Browser, null),
        ["ANY /hubs/jobs"] = (Access.Hub, Permissions.ViewQueue),
        ["ANY /hubs/jobs/negotiate"] = (Access.Hub, Permissions.ViewQueue),
    };

    private static readonly Dictionary<string, string> _hubMethodRules = new(StringComparer.Ordinal)
    {
        [nameof(JobsHub.GetSnapshot)] = Permissions.ViewQueue,
    };

    public static TheoryData<string> Callers => ["anonymous", Roles.Viewer, Roles.Operator, Roles.Auditor, Roles.Admin, "token:operator", "token:viewer"];

    [Fact]
    public void EveryRoute_HasARule()
    {
        var unruled = Routes().Where(r => RuleOf(r) is null).ToList();

        Assert.Empty(unruled);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task EveryRoute_AnswersAsItsRuleSays(string caller)
    {
        using var client = await ClientForAsync(caller);
        var wrong = new List<string>();
        foreach (var route in Routes())
        {
            var (access, permission) = RuleOf(route) ?? throw new InvalidOperationException($"No rule for {route}");
            var expected = Expected(access, permission, caller);
            var (method, path) = Split(route);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST")
            {
                // JSON endpoints get a JSON body (routing answers 415 to anything else before authorization);
                // the rest get what a browser form would send: an empty form without an antiforgery token.
                request.Content = JsonRoutes().Contains(route)
                    ? new StringContent("{}", System.Text.Encoding.UTF8, "application/json")
                    : new FormUrlEncodedContent([]);
            }

            using var response = await client.SendAsync(request);
            var actual = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "401",
                HttpStatusCode.Forbidden => "403",
                HttpStatusCode.Redirect when response.Headers.Location?.OriginalString.Contains("/signin", StringComparison.Ordinal) == true => "401",
                _ => "allowed",
            };
            if (actual != expected)
            {
                wrong.Add($"{route} as {caller}: expected {expected}, got {(int)response.StatusCode}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task EveryHubMethod_AnswersAsItsRuleSays(string caller)
    {
        var methods = typeof(JobsHub).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Select(m => m.Name).ToList();
        Assert.All(methods, m => Assert.True(_hubMethodRules.ContainsKey(m), $"hub method {m} has no rule"));

        var cookies = caller.StartsWith("token:", StringComparison.Ordinal) || caller == "anonymous" ? null : await app.SignInAsync(caller);
        await using var hub = app.NewHubConnection(cookies, TokenOf(caller));
        if (caller == "anonymous")
        {
            var ex = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
            return;
        }

        await hub.StartAsync();
        foreach (var (method, permission) in _hubMethodRules)
        {
            Assert.True(Roles.PermissionsOf(RoleOf(caller)).Contains(permission));
            var result = await hub.InvokeAsync<object>(method);
            Assert.NotNull(result);
        }
    }

    [Fact]
    public async Task Page_RedirectsBrowserToSignIn_WhenAnonymous()
    {
        using var client = app.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/kinds?x=1");
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin?ReturnUrl=", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_Fails_WithWrongPassword()
    {
        using var client = app.NewClient();

        using var response = await DashboardApp.PostSignInAsync(client, Roles.Operator, "wrong");

        Assert.Contains("failed=1", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain(client.DefaultRequestHeaders, h => h.Key == "Cookie");
    }

    [Fact]
    public async Task SignIn_IsRefused_WithoutAntiforgeryToken()
    {
        using var client = app.NewClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = Roles.Admin, ["password"] = DashboardApp.PasswordOf(Roles.Admin) });

        using var response = await client.PostAsync("/account/signin", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task SignOut_IsRefused_WithoutAntiforgeryToken()
    {
        var cookies = await app.SignInAsync(Roles.Viewer);
        using var client = app.NewClient(cookies);

        using var signOut = await client.PostAsync("/account/signout", new FormUrlEncodedContent([]));
        using var after = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var cookies = await app.SignInAsync(Roles.Viewer);
        using var client = app.NewClient(cookies);
        var token = await DashboardApp.AntiforgeryTokenAsync(client);

        using var signOut = await client.PostAsync("/account/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        using var after = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Responses_CarrySecurityHeaders()
    {
        using var client = app.NewClient();

        using var response = await client.GetAsync("/signin");

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Hub_RefusesForeignBrowserOrigin()
    {
        var cookies = await app.SignInAsync(Roles.Viewer);
        using var client = app.NewClient(cookies);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/jobs/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private IEnumerable<string> Routes() =>
        app.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Where(m => m != "HEAD")
                .Select(m => $"{m} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .Distinct()
            .Order(StringComparer.Ordinal);

    private HashSet<string> JsonRoutes() =>
        app.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes.Contains("application/json") == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .ToHashSet(StringComparer.Ordinal);

    private static (Access, string?)? RuleOf(string route)
    {
        if (_rules.TryGetValue(route, out var rule))
        {
            return rule;
        }

        // Static assets (files with an extension, and the static-files fallback) are public.
        var path = Split(route).Path;
        return route.StartsWith("GET ", StringComparison.Ordinal) && Path.HasExtension(path)
            ? (Access.Public, null)
            : null;
    }

    private static (string Method, string Path) Split(string route)
    {
        var space = route.IndexOf(' ', StringComparison.Ordinal);
        var path = route[(space + 1)..].Replace("{**path:file}", "no-such-file.txt", StringComparison.Ordinal)
            .Replace("{Id:long}", "1", StringComparison.Ordinal)
            .Replace("{Kind}", "some.kind", StringComparison.Ordinal);
        // SignalR endpoints take any method; negotiation is a POST.
        var method = route[..space] == "ANY" ? "POST" : route[..space];
        return (method, path);
    }

    private static string Expected(Access access, string? permission, string caller)
    {
        if (access == Access.Public)
        {
            return "allowed";
        }

        var isToken = caller.StartsWith("token:", StringComparison.Ordinal);
        var authenticated = caller != "anonymous" && (access == Access.Hub || (access == Access.Token) == isToken);
        if (!authenticated)
        {
            return "401";
        }

        return permission is null || Roles.PermissionsOf(RoleOf(caller)).Contains(permission) ? "allowed" : "403";
    }

    private static string RoleOf(string caller) => caller.StartsWith("token:", StringComparison.Ordinal) ? caller["token:".Length..] : caller;

    private static string? TokenOf(string caller) => caller switch
    {
        "token:operator" => DashboardApp.OperatorToken,
        "token:viewer" => DashboardApp.ViewerToken,
        _ => null,
    };

    private async Task<HttpClient> ClientForAsync(string caller)
    {
        if (TokenOf(caller) is { } token)
        {
            var client = app.NewClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            return client;
        }

        return caller == "anonymous" ? app.NewClient() : app.NewClient(await app.SignInAsync(caller));
    }
}
