using Dashboard.Testing;

namespace Dashboard.Worker.Tests;

/// <summary>
/// The demo worker as a real process, with its kinds' shutdown facts: the maximum run time cancels a hung handler and
/// fails the attempt; on SIGTERM the jobs that can't fit the budget are released at once, the others finish.
/// </summary>
public sealed class ReadinessShutdownTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    public Task InitializeAsync() => db.PsqlAsync("""
        DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers;
        UPDATE queue_control SET accepting = true;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<long> CountAsync(string where, object? parameters = null) =>
        db.ScalarAsync<long>($"SELECT count(*) FROM jobs WHERE {where}", parameters);

    [Fact]
    public async Task Worker_DeclaresItsKindsFacts_AndFailsAHungHandler_PastItsMaximumRunTime()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind, max_attempts) VALUES (1, 'webhook.deliver', 1)");
        using var demo = DemoProcess.Start(db.ConnectionString, ("Demo__HangMaxRunTime", "00:00:01"));

        await Eventually.TrueAsync(async () => await CountAsync("id = 1 AND state = 'failed'") == 1, "the hung job fails past its maximum run time");

        Assert.Equal(
            "exceeded its maximum run time of 00:00:01: the handler was cancelled",
            await db.ScalarAsync<string>("SELECT last_error FROM jobs WHERE id = 1"));
        Assert.Equal(demo.WorkerId, await db.ScalarAsync<string>("SELECT leased_by FROM jobs WHERE id = 1"));
        var facts = await db.QueryAsync<(string Kind, bool? Idempotent, bool? Checkpoints, TimeSpan? Max, string By)>(
            "SELECT kind, idempotent, checkpoints, max_run_time, facts_declared_by FROM job_kinds WHERE kind IN ('webhook.deliver', 'video.transcode', 'ledger.reconcile', 'billing.invoice') ORDER BY kind");
        Assert.Equal(
            [("billing.invoice", false, false, null, demo.WorkerId), ("ledger.reconcile", false, false, null, demo.WorkerId),
             ("video.transcode", true, true, null, demo.WorkerId), ("webhook.deliver", true, false, TimeSpan.FromSeconds(1), demo.WorkerId)],
            facts);
    }

    [Fact]
    public async Task Sigterm_ReleasesAtOnceWhatCannotFit_AndFinishesWhatCan()
    {
        // The budget is generous (3 min) so that jobs 2 and 3 fit it however busy the machine is.
        // 1: 5,000 steps of 100 ms with progress: far beyond the budget, resumable: released at once.
        // 2: 40 steps of 400 ms with progress: about 16 s, fits the budget: finishes.
        // 3: a 20 s job of an idempotent kind with no history: remaining unknown, so it is given the budget: finishes.
        await db.PsqlAsync("""
            INSERT INTO jobs (id, kind, payload) VALUES
              (1, 'video.transcode', '{"steps": 5000, "stepMs": 100}'),
              (2, 'report.build', '{"steps": 40, "stepMs": 400}'),
              (3, 'email.send', '{"ms": 20000, "fail": false}');
            """);
        using var demo = DemoProcess.Start(db.ConnectionString, ("Worker__ShutdownBudget", "00:03:00"));
        var holder = new { Holder = demo.WorkerId };
        await Eventually.TrueAsync(
            async () => await CountAsync("state = 'processing' AND leased_by = @Holder", holder) == 3
                        && await CountAsync("id IN (1, 2) AND progress_at > leased_at") == 2,
            "the worker runs the three jobs and the long ones have reported progress");

        demo.Terminate();
        var exitCode = await demo.WaitForExitAsync(TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, $"exit code {exitCode}. Output:\n{demo.Output}");
        Assert.Equal(1, await CountAsync("id = 1 AND state = 'queued' AND leased_by IS NULL AND attempts = 0 AND (checkpoint->>'step')::int > 0 AND progress > 0"));
        Assert.Equal(2, await CountAsync("id IN (2, 3) AND state = 'done' AND leased_by = @Holder", holder));
        // At once: job 1 was back in the queue before either of the others finished.
        Assert.True(
            await db.ScalarAsync<bool>("SELECT (SELECT updated_at FROM jobs WHERE id = 1) < (SELECT min(finished_at) FROM jobs WHERE id IN (2, 3))"),
            demo.Output);
        Assert.Contains("Job 1 (video.transcode) can't finish within the shutdown budget", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Shutdown budget spent", demo.Output, StringComparison.Ordinal);
    }
}
