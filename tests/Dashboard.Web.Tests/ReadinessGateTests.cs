using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using Dashboard.Cli;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>
/// Deploy readiness through the deploy gate (<c>GET /health/jobs?grace=</c>) and <c>dashboard-cli drain --grace</c>,
/// the CLI run as a real process, on the real app and database.
/// </summary>
public sealed class ReadinessGateTests(DashboardApp app) : IClassFixture<DashboardApp>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await app.Database.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds; UPDATE queue_control SET accepting = true;");
        await app.Database.PsqlAsync(
            """
            INSERT INTO job_kinds (kind, idempotent, checkpoints) VALUES
                ('payment.capture', false, false), ('cache.warm', true, false), ('video.transcode', false, true);
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Status_WithGrace_KeepsTheFourFields_AndAddsVerdictCounts()
    {
        await RunningAsync("payment.capture");
        await RunningAsync("cache.warm");
        // 60 s left at its own rate: finishes with 2 minutes' grace, is released with its checkpoint with 30 s.
        await RunningAsync("video.transcode", progress: 0.9, progressAfterSeconds: 540, elapsedSeconds: 600);

        using var plain = await GetAsync("/health/jobs");
        using var in30s = await GetAsync("/health/jobs?grace=30s");
        using var in2m = await GetAsync("/health/jobs?grace=2m");

        Assert.Equal(["accepting", "oldest_running_minutes", "queued", "running"], Keys(plain.RootElement));
        foreach (var field in new[] { "accepting", "running", "queued", "oldest_running_minutes" })
        {
            Assert.Equal(plain.RootElement.GetProperty(field).GetRawText(), in30s.RootElement.GetProperty(field).GetRawText());
        }

        Assert.Equal(["accepting", "grace_seconds", "jobs", "oldest_running_minutes", "queued", "running", "safe", "verdicts"], Keys(in30s.RootElement));
        Assert.Equal(30, in30s.RootElement.GetProperty("grace_seconds").GetDouble());
        Assert.Equal(
            new Dictionary<string, long> { ["unsafe"] = 1, ["over_max"] = 0, ["reruns"] = 1, ["resumes"] = 1, ["finishes"] = 0 },
            Verdicts(in30s));
        Assert.False(in30s.RootElement.GetProperty("safe").GetBoolean());
        Assert.Equal("payment.capture", in30s.RootElement.GetProperty("jobs")[0].GetProperty("kind").GetString());
        Assert.Equal((0L, 1L), (Verdicts(in2m)["resumes"], Verdicts(in2m)["finishes"]));
    }

    [Theory]
    [InlineData("banana")]
    [InlineData("-30s")]
    [InlineData("30s%00")]
    [InlineData("99999h")]
    public async Task Status_WithABadGrace_Is400_WithTheReason(string grace)
    {
        using var client = BearerClient();

        using var response = await client.GetAsync($"/health/jobs?grace={grace}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("grace must be a duration", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliProcess_Exits6_AndResumesIntake_WhenUnsafeJobsWouldBeCut()
    {
        var id = await RunningAsync("payment.capture");

        var (exit, output) = await CliProcessAsync("drain", "--grace", "30s", "--max-drain", "0s", "--poll", "1s");

        Assert.True(exit == DrainCommand.RefusedUnsafe, $"exit {exit}\n{output}");
        Assert.Contains($"job {id} (payment.capture", output, StringComparison.Ordinal);
        Assert.True(await AcceptingAsync());
    }

    [Fact]
    public async Task CliProcess_Exits0_AndStaysPaused_WhenTold_ToGoAhead()
    {
        await RunningAsync("payment.capture");

        var (exit, output) = await CliProcessAsync("drain", "--grace", "30s", "--max-drain", "0s", "--go-ahead");

        Assert.True(exit == DrainCommand.Drained, $"exit {exit}\n{output}");
        Assert.Contains("Going ahead", output, StringComparison.Ordinal);
        Assert.False(await AcceptingAsync());
    }

    [Fact]
    public async Task CliProcess_Exits0_WhileJobsRun_WhenNoneWouldBeCutMidWrite()
    {
        await RunningAsync("cache.warm");
        await RunningAsync("video.transcode");

        var (exit, output) = await CliProcessAsync("drain", "--grace", "30s", "--max-drain", "10m");

        Assert.True(exit == DrainCommand.Drained, $"exit {exit}\n{output}");
        Assert.Contains("1 resume from their checkpoint, 1 re-run from the start", output, StringComparison.Ordinal);
        Assert.False(await AcceptingAsync());
    }

    [Fact]
    public async Task CliProcess_Exits2_OnABadGrace_WithoutPausing()
    {
        var (exit, output) = await CliProcessAsync("drain", "--grace", "soon");

        Assert.True(exit == 2, $"exit {exit}\n{output}");
        Assert.True(await AcceptingAsync());
    }

    private async Task<(int Exit, string Output)> CliProcessAsync(params string[] args)
    {
        var dll = typeof(ReadinessGateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "CliAssembly").Value!;
        Assert.True(File.Exists(dll), $"The CLI is not built at {dll}.");
        var start = new ProcessStartInfo("dotnet", [dll, .. args, "--url", app.BaseAddress.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DASHBOARD_TOKEN"] = DashboardApp.OperatorToken;
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(hang.Token);
        return (process.ExitCode, $"stdout:\n{await stdout}\nstderr:\n{await stderr}");
    }

    private HttpClient BearerClient()
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardApp.OperatorToken);
        return client;
    }

    private async Task<JsonDocument> GetAsync(string path)
    {
        using var client = BearerClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static List<string> Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static Dictionary<string, long> Verdicts(JsonDocument d) =>
        d.RootElement.GetProperty("verdicts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    private Task<bool> AcceptingAsync() => app.Database.ScalarAsync<bool>("SELECT accepting FROM queue_control");

    private Task<long> RunningAsync(string kind, double? progress = null, int progressAfterSeconds = 0, int elapsedSeconds = 5) =>
        app.Database.ScalarAsync<long>(
            """
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts, progress, progress_at)
            SELECT @kind, 'processing', 'test-worker:1', t.at, now(), gen_random_uuid(), 1, @progress::real,
                   CASE WHEN @progress::real IS NOT NULL THEN t.at + make_interval(secs => @progressAfterSeconds) END
            FROM (SELECT now() - make_interval(secs => @elapsedSeconds) AS at) t
            RETURNING id
            """,
            new { kind, progress = (float?)progress, progressAfterSeconds, elapsedSeconds });
}
