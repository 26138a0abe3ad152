using Dashboard.Core.Claims;
using Dashboard.Testing;

namespace Dashboard.Worker.Tests;

/// <summary>The demo worker as a real process: killed it leaves leases to expire; terminated it cleans up and exits 0.</summary>
public sealed class WorkerProcessTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    public Task InitializeAsync() => db.PsqlAsync("""
        DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers;
        UPDATE queue_control SET accepting = true;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<long> CountAsync(string where, object? parameters = null) =>
        db.ScalarAsync<long>($"SELECT count(*) FROM jobs WHERE {where}", parameters);

    [Fact]
    public async Task KilledWorker_LeavesItsJobsReclaimable_OnlyAfterTheLeaseTimeout()
    {
        // Ten-minute jobs under a six-second lease: only heartbeats (every two seconds) keep them, and only a stall of
        // several seconds, not a loaded machine's jitter, would let one lapse.
        await db.PsqlAsync("""
            INSERT INTO job_kinds (kind, lease_timeout) VALUES ('email.send', interval '6 seconds');
            INSERT INTO jobs (id, kind, payload) SELECT i, 'email.send', '{"ms": 600000, "fail": false}' FROM generate_series(1, 3) AS i;
            """);
        using var demo = DemoProcess.Start(db.ConnectionString);
        var holder = new { Holder = demo.WorkerId };
        await Eventually.TrueAsync(async () => await CountAsync("state = 'processing' AND leased_by = @Holder", holder) == 3, "the demo worker holds the three jobs");
        await Eventually.TrueAsync(async () => await CountAsync("heartbeat_at > leased_at + interval '7 seconds'") == 3, "heartbeats keep the leases past their timeout");
        var claims = new JobClaims(db.Db);
        Assert.Empty(await claims.ReclaimExpiredAsync(10, CancellationToken.None));

        demo.Process.Kill();
        await demo.WaitForExitAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(3, await CountAsync("state = 'processing' AND leased_by = @Holder", holder));
        var lastBeat = await db.ScalarAsync<DateTime>("SELECT max(heartbeat_at) FROM jobs");

        IReadOnlyList<ReclaimedJob> reclaimed = [];
        await Eventually.TrueAsync(async () => (reclaimed = await claims.ReclaimExpiredAsync(10, CancellationToken.None)).Count == 3, "the leases expire and are reclaimed");

        Assert.True(await db.ScalarAsync<bool>("SELECT now() - @lastBeat >= interval '6 seconds'", new { lastBeat }));
        Assert.All(reclaimed, r => Assert.Equal((demo.WorkerId, "queued"), (r.PreviousHolder, r.State)));
        await db.PsqlAsync("""UPDATE jobs SET payload = '{"ms": 1, "fail": false}'""");
        await using var workers = new TestWorkers(db);
        await workers.StartAsync("after:1", o => o.Handle("email.send", (_, _, _) => Task.CompletedTask));
        await Eventually.TrueAsync(async () => await CountAsync("state = 'done' AND leased_by = 'after:1' AND attempts = 2") == 3, "another worker runs them under new leases");
    }

    [Fact]
    public async Task TerminatedWorker_ExitsZeroWithinItsBudget_AndLeavesNothingProcessing()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (id, kind, payload) VALUES
              (1, 'email.send', '{"ms": 2500, "fail": false}'),
              (2, 'sms.send', '{"ms": 2500, "fail": false}'),
              (3, 'video.transcode', '{"steps": 1000, "stepMs": 100}'),
              (4, 'webhook.deliver', '{}');
            """);
        var budget = TimeSpan.FromSeconds(4);
        using var demo = DemoProcess.Start(db.ConnectionString, ("Worker__ShutdownBudget", budget.ToString()));
        var holder = new { Holder = demo.WorkerId };
        await Eventually.TrueAsync(
            async () => await CountAsync("state = 'processing' AND leased_by = @Holder", holder) == 4 && await CountAsync("id = 3 AND checkpoint IS NOT NULL") == 1,
            "the demo worker runs all four jobs and the long one has checkpointed");

        demo.Terminate();
        // A deadline that only catches a hang; the budget's effect is shown by the outcomes and the log below.
        var exitCode = await demo.WaitForExitAsync(budget + TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, $"exit code {exitCode}. Output:\n{demo.Output}");
        Assert.Equal(0, await CountAsync("state = 'processing'"));
        Assert.Equal(2, await CountAsync("id IN (1, 2) AND state = 'done' AND leased_by = @Holder", holder));
        Assert.Equal(1, await CountAsync("id = 3 AND state = 'queued' AND leased_by IS NULL AND attempts = 0 AND (checkpoint->>'step')::int > 0"));
        Assert.Equal(1, await CountAsync("id = 4 AND state = 'queued' AND leased_by IS NULL AND attempts = 0"));
        Assert.Equal("stopped", await db.ScalarAsync<string>("SELECT state FROM workers WHERE id = @Holder", holder));
        Assert.Contains("Shutdown budget spent with 1 jobs in flight", demo.Output, StringComparison.Ordinal);
    }
}
