using System.Net;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>
/// <c>samples/HostWithConsole</c>, an application with its own cookie sign-in that mounts the console under
/// <c>/ops/jobs</c> with two calls: its users sign in on its page, its roles and policies decide their console role,
/// its own pages stay public, and the console's health probes answer under the path with the database up and down.
/// </summary>
public sealed class HostWithConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Password = "back-office-password";
    private readonly TestDatabase _database = new();
    private readonly List<ConsoleProcess> _started = [];

    public Task InitializeAsync() => _database.InitializeAsync();

    public async Task DisposeAsync()
    {
        foreach (var process in _started)
        {
            await process.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    [Fact]
    public async Task TheHostsSignIn_OpensTheMountedConsole_WithTheRoleItsRolesAndPoliciesMapTo()
    {
        await _database.PsqlAsync("INSERT INTO jobs (kind, state) SELECT 'host.mail', 'queued' FROM generate_series(1, 6)");
        var host = await StartAsync(_database.ConsoleConnectionString);
        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString() });
        context.SetDefaultTimeout(BrowserFixture.Patience);

        // The host's own page stays public: the console changes nothing outside its path.
        var page = await context.NewPageAsync();
        var home = await page.GotoAsync("/");
        Assert.Equal(200, home!.Status);

        await page.GotoAsync("/ops/jobs/");
        Assert.StartsWith(new Uri(host.BaseAddress, "/login?ReturnUrl=%2Fops%2Fjobs%2F").ToString(), page.Url, StringComparison.Ordinal);
        await SignInAsync(page, "sam");
        await Assertions.Expect(page.Locator("[data-testid=state-queued] .count")).ToHaveTextAsync("6");
        Assert.Equal(new Uri(host.BaseAddress, "/ops/jobs/").ToString(), page.Url);
        await Assertions.Expect(page.Locator("[data-testid=signed-in-as]")).ToHaveTextAsync("sam · operator");
        // Signing out is the host's business: the console offers no sign-out of its own.
        await Assertions.Expect(page.Locator("[data-testid=signout]")).ToHaveCountAsync(0);

        // A host role mapped to viewer, and a host policy mapped to auditor (who may read the audit log).
        Assert.Equal("erin · viewer", await SignedInAsAsync(host, "erin"));
        Assert.Equal("lee · auditor", await SignedInAsAsync(host, "lee"));

        // Signed in to the host, but neither a mapped role nor a mapped policy: no console.
        await using var other = await browser.Browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString() });
        var refused = await other.NewPageAsync();
        await refused.GotoAsync("/ops/jobs/");
        await SignInAsync(refused, "max");
        await Assertions.Expect(refused.Locator("h1")).ToContainTextAsync("no access");
        Assert.StartsWith(new Uri(host.BaseAddress, "/denied").ToString(), refused.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthProbes_UnderTheMountPath_AnswerAsDocumented_WithTheDatabaseUpAndDown()
    {
        var up = await StartAsync(_database.ConsoleConnectionString);
        // Nothing listens on port 1: the database is down for this instance from the start.
        var down = await StartAsync("Host=127.0.0.1;Port=1;Database=jobs;Username=nobody;Timeout=2");
        using var http = new HttpClient();

        Assert.Equal((HttpStatusCode.OK, "Healthy"), await ProbeAsync(http, up, "live"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await ProbeAsync(http, up, "ready"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await ProbeAsync(http, down, "live"));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await ProbeAsync(http, down, "ready"));
        // Only under the mount path: the host's own URL space is untouched.
        using var outside = await http.GetAsync(new Uri(up.BaseAddress, "/health/ready"));
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
    }

    private static async Task<(HttpStatusCode, string)> ProbeAsync(HttpClient http, ConsoleProcess host, string probe)
    {
        using var response = await http.GetAsync(new Uri(host.BaseAddress, $"/ops/jobs/health/{probe}"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> SignedInAsAsync(ConsoleProcess host, string user)
    {
        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString() });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/ops/jobs/");
        await SignInAsync(page, user);
        var signedIn = page.Locator("[data-testid=signed-in-as]");
        await Assertions.Expect(signedIn).ToContainTextAsync(user);
        return (await signedIn.TextContentAsync())!.Trim();
    }

    private static async Task SignInAsync(IPage page, string user)
    {
        await page.FillAsync("input[name=name]", user);
        await page.FillAsync("input[name=password]", Password);
        await page.ClickAsync("button[type=submit]");
    }

    private async Task<ConsoleProcess> StartAsync(string connectionString)
    {
        var dll = ConsoleProcess.FindBuiltSample()
            ?? throw new InvalidOperationException("samples/HostWithConsole is not built in Release; run scripts/test.sh");
        var hash = SecretHash.HashPassword(Password, 1000);
        var environment = new Dictionary<string, string>
        {
            // Development: the unpublished build serves its static web assets from where they were built.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ConnectionStrings__Jobs"] = connectionString,
            ["Dashboard__SnapshotInterval"] = "00:00:00.200",
        };
        string[][] users = [["sam", "Roles", "sre"], ["erin", "Roles", "engineering"], ["lee", "Teams", "support-leads"], ["max", "Roles", "marketing"]];
        for (var i = 0; i < users.Length; i++)
        {
            environment[$"BackOffice__Users__{i}__Name"] = users[i][0];
            environment[$"BackOffice__Users__{i}__PasswordHash"] = hash;
            environment[$"BackOffice__Users__{i}__{users[i][1]}__0"] = users[i][2];
        }

        var process = await ConsoleProcess.StartAsync(dll, environment, "ops/jobs/health/live");
        _started.Add(process);
        return process;
    }
}
