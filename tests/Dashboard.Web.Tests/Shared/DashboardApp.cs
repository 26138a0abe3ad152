using System.Net;
using System.Text.RegularExpressions;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Shared;

/// <summary>
/// The real console on Kestrel (127.0.0.1, free port) over a fresh database, with one local user per role and
/// API tokens. Tests talk to it with real HTTP and the real SignalR client.
/// </summary>
public partial class DashboardApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string OperatorToken = "test-operator-token-0123456789abcdef";
    public const string ViewerToken = "test-viewer-token-0123456789abcdef";

    // Low iteration counts keep sign-in fast in tests; production hashes use SecretHash.DefaultIterations.
    private static readonly Dictionary<string, string> _hashes = Roles.All.ToDictionary(r => r, r => SecretHash.HashPassword(PasswordOf(r), 1000));

    public TestDatabase Database { get; } = new();

    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>Extra settings a test class needs (set before the server starts).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    public static string PasswordOf(string role) => $"{role}-password";

    /// <summary>The port to serve on; 0 picks a free one as the server starts.</summary>
    protected virtual int Port => 0;

    /// <summary>
    /// The database the app under test uses, as the console's least-privileged login role (never a superuser), as
    /// deployments run it; a subclass may point it elsewhere (e.g. a server it stops).
    /// </summary>
    protected virtual string JobsConnectionString => Database.ConsoleConnectionString;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        await BeforeStartAsync();
        UseKestrel(Port);
        StartServer();
        BaseAddress = ClientOptions.BaseAddress;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Database.DisposeAsync();
        await AfterStopAsync();
    }

    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    protected virtual Task AfterStopAsync() => Task.CompletedTask;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Jobs", JobsConnectionString);
        builder.UseSetting("Dashboard:SnapshotInterval", "00:00:00.200");
        builder.UseSetting("Dashboard:Auth:SignInAttemptsPerMinute", "1000");
        // History and alerts move within a second or two, so tests can watch them.
        builder.UseSetting("Dashboard:History:LiveInterval", "00:00:01");
        builder.UseSetting("Dashboard:Alerts:EvaluationInterval", "00:00:01");
        builder.UseSetting("Dashboard:Singletons:RetryInterval", "00:00:01");
        var i = 0;
        foreach (var role in Roles.All)
        {
            builder.UseSetting($"Dashboard:Auth:LocalUsers:{i}:Name", role);
            builder.UseSetting($"Dashboard:Auth:LocalUsers:{i}:Role", role);
            builder.UseSetting($"Dashboard:Auth:LocalUsers:{i}:PasswordHash", _hashes[role]);
            i++;
        }

        builder.UseSetting("Dashboard:Auth:ApiTokens:0:Name", "deploy-bot");
        builder.UseSetting("Dashboard:Auth:ApiTokens:0:Role", Roles.Operator);
        builder.UseSetting("Dashboard:Auth:ApiTokens:0:TokenHash", SecretHash.HashToken(OperatorToken));
        builder.UseSetting("Dashboard:Auth:ApiTokens:1:Name", "watcher");
        builder.UseSetting("Dashboard:Auth:ApiTokens:1:Role", Roles.Viewer);
        builder.UseSetting("Dashboard:Auth:ApiTokens:1:TokenHash", SecretHash.HashToken(ViewerToken));
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A client that follows no redirects and keeps cookies, like a browser tab.</summary>
    public HttpClient NewClient(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = BaseAddress,
        };

    /// <summary>Signs in through the real form (antiforgery token and all); returns the session's cookies.</summary>
    public async Task<CookieContainer> SignInAsync(string role, string? password = null)
    {
        var cookies = new CookieContainer();
        using var client = NewClient(cookies);
        var response = await PostSignInAsync(client, role, password ?? PasswordOf(role));
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString.Contains("failed", StringComparison.Ordinal) == true)
        {
            throw new InvalidOperationException($"Sign-in as {role} failed: {(int)response.StatusCode} {response.Headers.Location}");
        }

        return cookies;
    }

    /// <summary>The antiforgery token a browser would find in the sign-in page's form (the cookie lands in the client).</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client) =>
        AntiforgeryField().Match(await client.GetStringAsync("/signin")).Groups[1].Value;

    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string name, string password)
    {
        var token = await AntiforgeryTokenAsync(client);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["name"] = name,
            ["password"] = password,
            ["returnUrl"] = "/",
        });
        return await client.PostAsync("/account/signin", form);
    }

    /// <summary>A real SignalR client to the jobs hub, authenticated by cookie session or token (or neither).</summary>
    public HubConnection NewHubConnection(CookieContainer? cookies = null, string? token = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(BaseAddress, "/hubs/jobs"), options =>
            {
                if (cookies is not null)
                {
                    options.Cookies = cookies;
                }

                if (token is not null)
                {
                    options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();

    public T Service<T>()
        where T : notnull => Services.GetRequiredService<T>();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
