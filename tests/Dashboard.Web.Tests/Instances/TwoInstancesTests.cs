using System.Net.Http.Headers;
using Dashboard.Core.Changes;
using Dashboard.Web.Hubs;
using Dashboard.Web.Tests.Shared;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Web.Tests.Instances;

/// <summary>
/// Two console processes on one database: what one does, the other's viewers see; the singleton work (pause
/// expiry) moves to the survivor when its instance is killed, and a timed pause is lifted once, audited once.
/// </summary>
public sealed class TwoInstancesTests(ConsoleInstances instances) : IClassFixture<ConsoleInstances>
{
    // Deadlines only catch hangs; the issue's own bound for a takeover is a minute. Speed is measured by the benchmark.
    private static readonly TimeSpan _bound = TimeSpan.FromMinutes(5);

    private static readonly Dictionary<string, string> _fastTakeover = new()
    {
        ["Dashboard__Singletons__RetryInterval"] = "00:00:01",
        ["Dashboard__Singletons__CheckInterval"] = "00:00:01",
    };

    [Fact]
    public async Task AnActionOnOneInstance_ReachesAHubClientOfTheOther_AndATimedPauseSurvivesTheDeathOfItsLeader()
    {
        var a = await instances.StartAsync(_fastTakeover);
        var b = await instances.StartAsync(_fastTakeover);

        // 1. Intake paused through A's deploy gate reaches a hub client connected to B.
        await using var hubOnB = new HubConnectionBuilder()
            .WithUrl(new Uri(b.BaseAddress, "/hubs/jobs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(DashboardApp.OperatorToken))
            .Build();
        var paused = WaitFor(hubOnB, s => !s.Intake.Accepting);
        await hubOnB.StartAsync();
        using (var gate = new HttpClient { BaseAddress = a.BaseAddress })
        {
            gate.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardApp.OperatorToken);
            using var body = new StringContent("""{"reason":"two instances"}""", System.Text.Encoding.UTF8, "application/json");
            using var response = await gate.PostAsync(new Uri("/health/jobs/pause", UriKind.Relative), body);
            response.EnsureSuccessStatusCode();
        }

        await paused.WaitAsync(_bound);

        // 2. Kill whichever instance runs pause expiry; the other takes over and lifts a timed pause once.
        var leader = await WaitForHolderAsync(null);
        var (dying, surviving) = leader.Contains($":{a.Id}:", StringComparison.Ordinal) ? (a, b) : (b, a);
        Assert.Contains($":{dying.Id}:", leader, StringComparison.Ordinal);
        await dying.KillAsync();
        await instances.Database.PsqlAsync("""
            INSERT INTO job_kinds (kind, paused, paused_by, paused_at, pause_reason, pause_expires_at)
            VALUES ('two.timed', true, 'operator', now(), 'timed', now() + interval '1 second')
            """);

        var successor = await WaitForHolderAsync(leader);
        Assert.Contains($":{surviving.Id}:", successor, StringComparison.Ordinal);
        await Eventually(async () => !await instances.Database.ScalarAsync<bool>("SELECT paused FROM job_kinds WHERE kind = 'two.timed'"));
        var audited = await instances.Database.QueryAsync<string>(
            "SELECT outcome FROM audit_log WHERE target_kind = 'two.timed' AND actor = 'system'");
        Assert.StartsWith("applied", Assert.Single(audited), StringComparison.Ordinal);
    }

    /// <summary>The application_name of the connection holding the pause-expiry lock, once it is not <paramref name="previous"/>.</summary>
    private async Task<string> WaitForHolderAsync(string? previous)
    {
        string? holder = null;
        await Eventually(async () =>
        {
            holder = (await instances.Database.QueryAsync<string>("""
                SELECT a.application_name
                FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('dashboard.singleton.pause-expiry', 0)
                """)).FirstOrDefault(h => h != previous);
            return holder is not null;
        });
        return holder!;
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(_bound);
        while (!await condition())
        {
            await Task.Delay(200, deadline.Token);
        }
    }

    private static Task WaitFor(HubConnection hub, Func<DashboardSnapshot, bool> condition)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<FeedState>(JobsHub.SnapshotMethod, state =>
        {
            if (state.Snapshot is { } s && condition(s))
            {
                seen.TrySetResult();
            }
        });
        return seen.Task;
    }
}
