using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dashboard.Cli;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>
/// The deploy gate when the console cannot reach its database: a 503 with a JSON error, never a status that reads as
/// "0 running", and deploy tooling that stops instead of deploying.
/// </summary>
public sealed class DeployGateDatabaseDownTests(UnreachableDatabaseApp app) : IClassFixture<UnreachableDatabaseApp>
{
    [Theory]
    [InlineData("GET", "/health/jobs")]
    [InlineData("POST", "/health/jobs/pause")]
    [InlineData("POST", "/health/jobs/resume")]
    public async Task Gate_Answers503WithAJsonError(string method, string path)
    {
        using var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardApp.OperatorToken);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrWhiteSpace(body.RootElement.GetProperty("error").GetString()));
        Assert.False(body.RootElement.TryGetProperty("running", out _), "a 503 must not carry a running count");
    }

    [Fact]
    public async Task Cli_Drain_Returns5()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await CliApp.RunAsync(["drain", "--url", app.BaseAddress.ToString(), "--token", DashboardApp.OperatorToken, "--max-drain", "5s", "--poll", "1s"], stdout, stderr);

        Assert.True(exit == DrainCommand.Unreachable, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Contains("503", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Script_FailsWithoutDeploying()
    {
        var deployed = Path.Combine(Path.GetTempPath(), $"deploy-gate-{Guid.NewGuid():N}");

        var (exit, script) = await DeployScript.RunAsync(new Dictionary<string, string>
        {
            ["DASHBOARD_URL"] = app.BaseAddress.ToString(),
            ["DASHBOARD_TOKEN"] = DashboardApp.OperatorToken,
            ["MAX_DRAIN_SECONDS"] = "5",
            ["POLL_SECONDS"] = "1",
            ["DEPLOY_COMMAND"] = """touch "$DEPLOYED" """,
            ["DEPLOYED"] = deployed,
        });

        using (script)
        {
            Assert.True(exit != 0, $"exit {exit}\n{script}");
            Assert.False(File.Exists(deployed), "the deploy step ran");
            Assert.Contains("503", script.Stderr, StringComparison.Ordinal);
        }
    }
}
