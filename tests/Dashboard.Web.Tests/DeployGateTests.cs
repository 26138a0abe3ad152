using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dashboard.Cli;
using Dashboard.Core.Security;
using Dashboard.Web.Tests.Shared;

namespace Dashboard.Web.Tests;

/// <summary>
/// The deploy gate (docs/architecture.md, "Deploy gate") end to end on the real app and database: the endpoints, the example deploy script
/// run by bash, and <c>dashboard-cli drain|resume</c>. Each test starts from an empty queue that accepts work.
/// </summary>
public sealed class DeployGateTests(DashboardApp app) : IClassFixture<DashboardApp>, IAsyncLifetime
{
    private const string StatusPath = "/health/jobs";

    public async Task InitializeAsync()
    {
        await app.Database.PsqlAsync("DELETE FROM jobs");
        await app.Database.PsqlAsync("UPDATE queue_control SET accepting = true");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Status_HasExactlyTheFourKeys_WithTheDatabasesValues()
    {
        await InsertJobsAsync("queued", 3);
        await InsertJobsAsync("processing", 1, leasedMinutesAgo: 7);
        await InsertJobsAsync("processing", 1, leasedMinutesAgo: 1);
        await InsertJobsAsync("done", 2, leasedMinutesAgo: 60);
        await InsertJobsAsync("failed", 1, leasedMinutesAgo: 90);
        await app.Database.PsqlAsync("UPDATE queue_control SET accepting = false");

        using var status = await GetStatusAsync(DashboardApp.OperatorToken);

        var root = status.RootElement;
        Assert.Equal(["accepting", "oldest_running_minutes", "queued", "running"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(await app.Database.ScalarAsync<bool>("SELECT accepting FROM queue_control"), root.GetProperty("accepting").GetBoolean());
        Assert.Equal(await app.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE state = 'processing'"), root.GetProperty("running").GetInt64());
        Assert.Equal(await app.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE state = 'queued'"), root.GetProperty("queued").GetInt64());
        Assert.Equal(
            await app.Database.ScalarAsync<int>("SELECT floor(extract(epoch FROM now() - min(leased_at)) / 60)::int FROM jobs WHERE state = 'processing'"),
            root.GetProperty("oldest_running_minutes").GetInt32());
        // The SQL above could share a bug with the endpoint's; the rows inserted say what the answer must be.
        Assert.False(root.GetProperty("accepting").GetBoolean());
        Assert.Equal(2, root.GetProperty("running").GetInt64());
        Assert.Equal(3, root.GetProperty("queued").GetInt64());
        Assert.Equal(7, root.GetProperty("oldest_running_minutes").GetInt32());
    }

    [Fact]
    public async Task Status_ReportsZeroMinutes_WhenNothingRuns()
    {
        await InsertJobsAsync("queued", 1);

        using var status = await GetStatusAsync(DashboardApp.OperatorToken);

        Assert.Equal(0, status.RootElement.GetProperty("running").GetInt64());
        Assert.Equal(0, status.RootElement.GetProperty("oldest_running_minutes").GetInt32());
    }

    [Fact]
    public async Task Gate_RefusesASignedInAdminsCookie()
    {
        var cookies = await app.SignInAsync(Roles.Admin);
        using var client = app.NewClient(cookies);

        using var get = await client.GetAsync(StatusPath);
        using var pause = await client.PostAsync($"{StatusPath}/pause", JsonBody("""{"reason":"cookie"}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, pause.StatusCode);
        Assert.True(await AcceptingAsync());
    }

    [Fact]
    public async Task ViewerToken_CanReadTheStatus_ButNotPause()
    {
        using var client = BearerClient(DashboardApp.ViewerToken);

        using var get = await client.GetAsync(StatusPath);
        using var pause = await client.PostAsync($"{StatusPath}/pause", JsonBody("{}"));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, pause.StatusCode);
        Assert.True(await AcceptingAsync());
    }

    [Fact]
    public async Task PauseAndResume_AreAuditedWithTheTokensName_AndResumingTwiceIsHarmless()
    {
        var before = await LastAuditSeqAsync();
        using var client = BearerClient(DashboardApp.OperatorToken);

        using var pause = await client.PostAsync($"{StatusPath}/pause", JsonBody("""{"reason":"release 42"}"""));
        var pausedInDb = await AcceptingAsync();
        using var resume = await client.PostAsync($"{StatusPath}/resume", JsonBody("{}"));
        using var again = await client.PostAsync($"{StatusPath}/resume", JsonBody("{}"));

        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        Assert.False(pausedInDb);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var pauseBody = await ReadJsonAsync(pause);
        using var againBody = await ReadJsonAsync(again);
        Assert.False(pauseBody.RootElement.GetProperty("accepting").GetBoolean());
        Assert.Equal("applied", pauseBody.RootElement.GetProperty("outcome").GetString());
        Assert.True(againBody.RootElement.GetProperty("accepting").GetBoolean());
        Assert.Equal("no_change", againBody.RootElement.GetProperty("outcome").GetString());
        Assert.True(await AcceptingAsync());

        var entries = await AuditSinceAsync(before);
        Assert.Equal(["pause_intake", "resume_intake", "resume_intake"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal("deploy-bot", e.Actor));
        Assert.All(entries, e => Assert.Equal("token", e.AuthMethod));
        Assert.Equal(["applied", "applied", "no_change"], entries.Select(e => e.Outcome.Split(':')[0]));
        Assert.Equal("release 42", entries[0].Reason);
    }

    [Fact]
    public async Task Script_CleanDrain_DeploysWhilePaused_ThenResumes()
    {
        await InsertJobsAsync("queued", 2);
        using var seenByDeploy = new TempFile();
        var before = await LastAuditSeqAsync();

        // The deploy step records what the gate said while it ran.
        var (exit, script) = await DeployScript.RunAsync(ScriptEnvironment(new()
        {
            ["DEPLOY_COMMAND"] = """curl -fsS -H "Authorization: Bearer $DASHBOARD_TOKEN" "${DASHBOARD_URL%/}/health/jobs" > "$SEEN_BY_DEPLOY" """,
            ["SEEN_BY_DEPLOY"] = seenByDeploy.Path,
        }));

        using (script)
        {
            Assert.True(exit == 0, $"exit {exit}\n{script}");
            using var during = JsonDocument.Parse(await File.ReadAllTextAsync(seenByDeploy.Path));
            Assert.False(during.RootElement.GetProperty("accepting").GetBoolean());
            Assert.True(await AcceptingAsync());
            Assert.Equal(["pause_intake", "resume_intake"], (await AuditSinceAsync(before)).Select(e => e.Action));
        }
    }

    [Fact]
    public async Task Script_AbortsOnAStuckJob_WithoutDeploying_AndResumes()
    {
        await InsertJobsAsync("processing", 1, leasedMinutesAgo: 10);
        using var deployed = new TempFile(create: false);

        var (exit, script) = await DeployScript.RunAsync(ScriptEnvironment(new()
        {
            ["ABORT_IF_OLDER_THAN_MINUTES"] = "5",
            ["DEPLOY_COMMAND"] = """touch "$DEPLOYED" """,
            ["DEPLOYED"] = deployed.Path,
        }));

        using (script)
        {
            Assert.True(exit != 0, $"exit {exit}\n{script}");
            Assert.Contains("more than 5m", script.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(deployed.Path), "the deploy step ran");
            Assert.True(await AcceptingAsync());
        }
    }

    [Fact]
    public async Task Script_AbortsAtTheDrainCap_WithoutDeploying_AndResumes()
    {
        await InsertJobsAsync("processing", 1, leasedMinutesAgo: 0);
        using var deployed = new TempFile(create: false);

        var (exit, script) = await DeployScript.RunAsync(ScriptEnvironment(new()
        {
            ["MAX_DRAIN_SECONDS"] = "2",
            ["DEPLOY_COMMAND"] = """touch "$DEPLOYED" """,
            ["DEPLOYED"] = deployed.Path,
        }));

        using (script)
        {
            Assert.True(exit != 0, $"exit {exit}\n{script}");
            Assert.Contains("still running", script.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(deployed.Path), "the deploy step ran");
            Assert.True(await AcceptingAsync());
        }
    }

    [Fact]
    public async Task Script_ResumesAndFails_WhenTheDeployStepFails()
    {
        var (exit, script) = await DeployScript.RunAsync(ScriptEnvironment(), "bash", "-c", "exit 7");

        using (script)
        {
            Assert.True(exit == 7, $"exit {exit}\n{script}");
            Assert.True(await AcceptingAsync());
        }
    }

    [Fact]
    public async Task Script_ResumesIntake_WhenStoppedWhileDraining()
    {
        await InsertJobsAsync("processing", 1, leasedMinutesAgo: 0);
        using var script = DeployScript.Start(ScriptEnvironment(new() { ["MAX_DRAIN_SECONDS"] = "60" }));

        await script.WaitForOutputAsync("running=1");
        var pausedWhileDraining = await AcceptingAsync();
        // SIGTERM as a CI runner cancelling the job sends it (SIGINT is ignored by processes started in the background).
        await script.SignalAsync("TERM");
        var exit = await script.WaitForExitAsync();

        Assert.False(pausedWhileDraining);
        Assert.True(exit == 143, $"exit {exit}\n{script}");
        Assert.True(await AcceptingAsync());
    }

    [Fact]
    public async Task Cli_Drain_Returns0_AndLeavesIntakePausedForTheDeploy()
    {
        await InsertJobsAsync("queued", 1);

        var (exit, output) = await CliAsync("drain", "--max-drain", "5s", "--abort-if-older-than", "5m", "--poll", "1s");

        Assert.True(exit == DrainCommand.Drained, $"exit {exit}\n{output}");
        Assert.False(await AcceptingAsync());
    }

    [Fact]
    public async Task Cli_Drain_Returns3_AndResumes_WhenAJobIsStuck()
    {
        await InsertJobsAsync("processing", 1, leasedMinutesAgo: 10);

        var (exit, output) = await CliAsync("drain", "--max-drain", "5s", "--abort-if-older-than", "5m", "--poll", "1s");

        Assert.True(exit == DrainCommand.AbortedStuckJob, $"exit {exit}\n{output}");
        Assert.True(await AcceptingAsync());
    }

    [Fact]
    public async Task Cli_Drain_Returns4_AndResumes_WhenJobsStillRunAfterTheCap()
    {
        await InsertJobsAsync("processing", 1, leasedMinutesAgo: 0);

        var (exit, output) = await CliAsync("drain", "--max-drain", "2s", "--abort-if-older-than", "5m", "--poll", "1s");

        Assert.True(exit == DrainCommand.AbortedDrainCap, $"exit {exit}\n{output}");
        Assert.True(await AcceptingAsync());
    }

    [Fact]
    public async Task Cli_Drain_Returns130_AndResumes_WhenInterrupted()
    {
        await InsertJobsAsync("processing", 1, leasedMinutesAgo: 0);
        using var interrupt = new CancellationTokenSource();
        // Ctrl-C arrives once the drain is under way (the first status line), as an operator would press it.
        using var stdout = new LineWatcher("running=1", interrupt.Cancel);
        using var stderr = new StringWriter();
        using var http = DrainCommand.CreateClient(app.BaseAddress, DashboardApp.OperatorToken);

        var exit = await new DrainCommand(http, stdout, stderr)
            .DrainAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), "test", interrupt.Token);

        Assert.True(exit == DrainCommand.Interrupted, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.True(await AcceptingAsync());
    }

    [Fact]
    public async Task Cli_Resume_Twice_Returns0_BothTimes()
    {
        await app.Database.PsqlAsync("UPDATE queue_control SET accepting = false");
        var before = await LastAuditSeqAsync();

        var (first, firstOutput) = await CliAsync("resume");
        var (second, secondOutput) = await CliAsync("resume");

        Assert.True(first == 0, firstOutput);
        Assert.True(second == 0, secondOutput);
        Assert.True(await AcceptingAsync());
        Assert.Equal(["applied", "no_change"], (await AuditSinceAsync(before)).Select(e => e.Outcome.Split(':')[0]));
    }

    private async Task<(int Exit, string Output)> CliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApp.RunAsync([.. args, "--url", app.BaseAddress.ToString(), "--token", DashboardApp.OperatorToken], stdout, stderr);
        return (exit, $"stdout:\n{stdout}\nstderr:\n{stderr}");
    }

    private Dictionary<string, string> ScriptEnvironment(Dictionary<string, string>? extra = null)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DASHBOARD_URL"] = app.BaseAddress.ToString(),
            ["DASHBOARD_TOKEN"] = DashboardApp.OperatorToken,
            ["MAX_DRAIN_SECONDS"] = "5",
            ["ABORT_IF_OLDER_THAN_MINUTES"] = "5",
            ["POLL_SECONDS"] = "1",
        };
        foreach (var (key, value) in extra ?? [])
        {
            env[key] = value;
        }

        return env;
    }

    private HttpClient BearerClient(string token)
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<JsonDocument> GetStatusAsync(string token)
    {
        using var client = BearerClient(token);
        using var response = await client.GetAsync(StatusPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync());

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task InsertJobsAsync(string state, int count, int? leasedMinutesAgo = null) =>
        await app.Database.PsqlAsync(
            """
            INSERT INTO jobs (kind, state, leased_by, leased_at)
            SELECT 'deploy-gate-test', @state,
                   CASE WHEN @minutes IS NULL THEN NULL ELSE 'test-worker' END,
                   now() - make_interval(mins => @minutes) - interval '10 seconds'
            FROM generate_series(1, @count)
            """,
            new { state, count, minutes = leasedMinutesAgo });

    private Task<bool> AcceptingAsync() => app.Database.ScalarAsync<bool>("SELECT accepting FROM queue_control");

    private Task<long> LastAuditSeqAsync() => app.Database.ScalarAsync<long>("SELECT coalesce(max(seq), 0) FROM audit_log");

    private Task<IReadOnlyList<AuditRow>> AuditSinceAsync(long seq) =>
        app.Database.QueryAsync<AuditRow>(
            "SELECT action AS Action, actor AS Actor, auth_method AS AuthMethod, outcome AS Outcome, reason AS Reason FROM audit_log WHERE seq > @seq ORDER BY seq",
            new { seq });

    private sealed record AuditRow(string Action, string Actor, string AuthMethod, string Outcome, string Reason);

    /// <summary>A temporary file path, deleted afterwards.</summary>
    private sealed class TempFile : IDisposable
    {
        public TempFile(bool create = true)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"deploy-gate-{Guid.NewGuid():N}");
            if (create)
            {
                File.WriteAllText(Path, "");
            }
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }

    /// <summary>Collects output and calls back once a line containing the needle is written.</summary>
    private sealed class LineWatcher(string needle, Action seen) : StringWriter
    {
        public override async Task WriteLineAsync(string? value)
        {
            await base.WriteLineAsync(value);
            if (value?.Contains(needle, StringComparison.Ordinal) == true)
            {
                seen();
            }
        }
    }
}
