using System.Collections.Concurrent;
using Dashboard.Core.Claims;
using Dashboard.Testing;

namespace Dashboard.Worker.Tests;

public sealed class JobWorkerTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    public Task InitializeAsync() => db.PsqlAsync("""
        DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers;
        UPDATE queue_control SET accepting = true;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<long> CountAsync(string where) => db.ScalarAsync<long>($"SELECT count(*) FROM jobs WHERE {where}");

    [Fact]
    public async Task Workers_CompleteEveryJobExactlyOnce_WhenEightCompete()
    {
        const int Jobs = 5000;
        await db.PsqlAsync($"INSERT INTO jobs (kind, payload) SELECT 'bulk', jsonb_build_object('n', i) FROM generate_series(1, {Jobs}) AS i");
        var runs = new ConcurrentDictionary<long, int>();
        await using var workers = new TestWorkers(db);
        var started = new List<JobWorker>();
        for (var i = 1; i <= 8; i++)
        {
            started.Add(await workers.StartAsync($"bulk:{i}", o =>
            {
                o.Concurrency = 2;
                o.Handle("bulk", (job, _, _) =>
                {
                    runs.AddOrUpdate(job.Id, 1, (_, n) => n + 1);
                    return Task.CompletedTask;
                });
            }));
        }

        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == Jobs, $"all {Jobs} jobs are done", TimeSpan.FromMinutes(5));

        Assert.Equal(Jobs, runs.Count);
        Assert.All(runs, r => Assert.Equal(1, r.Value));
        Assert.Equal(Jobs, started.Sum(w => w.CompletedCount));
        Assert.True(started.Count(w => w.CompletedCount > 0) >= 4, "the work was spread over the workers");
        Assert.Equal(Jobs, await CountAsync("state = 'done' AND attempts = 1 AND leased_by LIKE 'bulk:%'"));
    }

    [Fact]
    public async Task Worker_NeverClaimsAPausedKind_UntilResumed()
    {
        // Jobs queued before the pause keep saying 'queued' (only the flag changes); jobs added after it are parked.
        await db.PsqlAsync("""
            INSERT INTO jobs (kind) SELECT 'held' FROM generate_series(1, 10);
            INSERT INTO jobs (kind) SELECT 'free' FROM generate_series(1, 20);
            INSERT INTO job_kinds (kind, paused, paused_by) VALUES ('held', true, 'test');
            INSERT INTO jobs (kind) SELECT 'held' FROM generate_series(1, 5);
            """);
        var ran = new ConcurrentBag<string>();
        await using var workers = new TestWorkers(db);
        var worker = await workers.StartAsync("pause:1", o =>
        {
            o.Concurrency = 4;
            o.Handle("held", (job, _, _) => Record(ran, job));
            o.Handle("free", (job, _, _) => Record(ran, job));
        });

        await Eventually.TrueAsync(async () => await CountAsync("kind = 'free' AND state = 'done'") == 20, "the free kind's jobs are done");
        await db.PsqlAsync("INSERT INTO jobs (kind) SELECT 'free' FROM generate_series(1, 5); INSERT INTO jobs (kind) VALUES ('held');");
        await Eventually.TrueAsync(async () => await CountAsync("kind = 'free' AND state = 'done'") == 25, "jobs added later run too");
        var cycles = worker.ClaimCycles;
        await Eventually.TrueAsync(() => worker.ClaimCycles >= cycles + 5, "the worker polled again with free slots");

        Assert.DoesNotContain("held", ran);
        Assert.Equal(16, await CountAsync("kind = 'held' AND attempts = 0 AND leased_by IS NULL"));
        Assert.Equal(10, await CountAsync("kind = 'held' AND state = 'queued'"));

        await db.PsqlAsync("""
            UPDATE job_kinds SET paused = false WHERE kind = 'held';
            UPDATE jobs SET state = 'queued' WHERE state = 'paused' AND kind = 'held';
            """);
        await Eventually.TrueAsync(async () => await CountAsync("kind = 'held' AND state = 'done'") == 16, "the resumed kind's jobs are done");
        Assert.Equal(16, ran.Count(k => k == "held"));
    }

    [Theory]
    [InlineData("UPDATE workers SET drain_requested = true WHERE id LIKE 'drain:%'", "UPDATE workers SET drain_requested = false")]
    [InlineData("UPDATE queue_control SET accepting = false", "UPDATE queue_control SET accepting = true")]
    public async Task Workers_StartNothingAfterADrain_FinishInFlightJobs_AndResume(string drainSql, string resumeSql)
    {
        await db.PsqlAsync("INSERT INTO jobs (kind) SELECT 'gated' FROM generate_series(1, 30)");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starts = new ConcurrentQueue<ClaimedJob>();
        await using var workers = new TestWorkers(db);
        var fleet = new List<JobWorker>();
        for (var i = 1; i <= 2; i++)
        {
            fleet.Add(await workers.StartAsync($"drain:{i}", o =>
            {
                o.Concurrency = 2;
                o.Handle("gated", async (job, _, _) =>
                {
                    starts.Enqueue(job);
                    await gate.Task;
                });
            }));
        }

        await Eventually.TrueAsync(() => starts.Count == 4, "both workers are full");
        await db.PsqlAsync(drainSql);
        var drainedAt = await db.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        var inFlight = starts.Select(j => j.Id).ToHashSet();
        var cyclesAtDrain = fleet.Select(w => w.ClaimCycles).ToList();

        gate.SetResult();
        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 4, "the in-flight jobs finish");
        await Eventually.TrueAsync(() => fleet.Select((w, i) => w.ClaimCycles >= cyclesAtDrain[i] + 5).All(x => x), "both workers polled again with free slots");
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>("SELECT count(*) FROM workers WHERE state = 'draining'") == 2, "both workers report draining");

        Assert.Equal(4, starts.Count);
        Assert.Equal(inFlight, (await db.QueryAsync<long>("SELECT id FROM jobs WHERE state = 'done'")).ToHashSet());
        Assert.All(starts, j => Assert.True(j.LeasedAt < DateTime.SpecifyKind(drainedAt, DateTimeKind.Utc)));
        Assert.Equal(26, await CountAsync("state = 'queued' AND attempts = 0"));

        await db.PsqlAsync(resumeSql);
        await Eventually.TrueAsync(async () => await CountAsync("state = 'done'") == 30, "every job runs after the resume");
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>("SELECT count(*) FROM workers WHERE state = 'running'") == 2, "both workers report running");
    }

    [Fact]
    public async Task Worker_LateCompletionIsRefusedAndLogged_AfterTheRunbooksForceRelease()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind) VALUES (42, 'slow')");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = new ConcurrentQueue<(string Worker, Guid Token)>();
        var oldLog = new ListLogger<JobWorker>();
        await using var workers = new TestWorkers(db);

        // A heartbeat would notice the release and stop the handler; this holder stays unaware, as a stalled one would.
        var old = await workers.StartAsync("old:1", o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMinutes(10);
            o.Handle("slow", async (job, context, _) =>
            {
                runs.Enqueue((context.WorkerId, job.LeaseToken));
                await gate.Task;
            });
        }, oldLog);
        await Eventually.TrueAsync(() => runs.Count == 1, "the old holder runs job 42");

        await db.PsqlAsync("UPDATE jobs SET leased_at = NULL, leased_by = NULL, state = 'queued' WHERE id = 42;");
        var fresh = await workers.StartAsync("new:1", o => o.Handle("slow", (job, context, _) =>
        {
            runs.Enqueue((context.WorkerId, job.LeaseToken));
            return Task.CompletedTask;
        }));
        await Eventually.TrueAsync(async () => await CountAsync("id = 42 AND state = 'done' AND leased_by = 'new:1'") == 1, "the job runs again under a new lease");
        gate.SetResult();
        await Eventually.TrueAsync(() => oldLog.Warnings.Any(w => w.Contains("completion refused", StringComparison.Ordinal)), "the old holder logs the refusal");

        Assert.Equal(["old:1", "new:1"], runs.Select(r => r.Worker));
        Assert.NotEqual(runs.First().Token, runs.Last().Token);
        Assert.Equal((0L, 1L), (old.CompletedCount, fresh.CompletedCount));
        Assert.Equal(1, await CountAsync("id = 42 AND state = 'done' AND leased_by = 'new:1'"));
    }

    [Fact]
    public async Task Worker_StopsTheHandler_WhenAHeartbeatFindsTheLeaseMovedOn()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind) VALUES (7, 'slow')");
        var tokens = new ConcurrentQueue<Guid>();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new ListLogger<JobWorker>();
        await using var workers = new TestWorkers(db);
        await workers.StartAsync("beat:1", o => o.Handle("slow", async (job, _, ct) =>
        {
            tokens.Enqueue(job.LeaseToken);
            if (tokens.Count == 1)
            {
                using var registration = ct.Register(() => cancelled.TrySetResult());
                await Task.Delay(Timeout.Infinite, ct);
            }
        }), log);
        await Eventually.TrueAsync(() => tokens.Count == 1, "the job runs");

        await db.PsqlAsync("UPDATE jobs SET leased_at = NULL, leased_by = NULL, state = 'queued' WHERE id = 7;");

        await cancelled.Task.WaitAsync(Eventually.DefaultTimeout);
        await Eventually.TrueAsync(async () => await CountAsync("id = 7 AND state = 'done'") == 1, "the released job runs again under a new lease");
        Assert.Contains(log.Warnings, w => w.Contains("Job 7 (slow): the lease moved on", StringComparison.Ordinal));
        Assert.Equal(2, tokens.Distinct().Count());
        Assert.Equal(1, await CountAsync("id = 7 AND attempts = 2"));
    }

    [Fact]
    public async Task Worker_RetriesAFailedJobWithBackoff_AndFailsItForGoodAtMaxAttempts()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (id, kind, max_attempts) VALUES (1, 'flaky', 5), (2, 'broken', 2);
            """);
        var attempts = new ConcurrentQueue<(long Id, int Attempt)>();
        await using var workers = new TestWorkers(db);
        await workers.StartAsync("retry:1", o =>
        {
            o.Handle("flaky", (job, _, _) =>
            {
                attempts.Enqueue((job.Id, job.Attempts));
                return job.Attempts < 3 ? throw new InvalidOperationException("not yet") : Task.CompletedTask;
            });
            o.Handle("broken", (job, _, _) =>
            {
                attempts.Enqueue((job.Id, job.Attempts));
                throw new InvalidOperationException("always");
            });
        });

        await Eventually.TrueAsync(async () => await CountAsync("state IN ('done', 'failed')") == 2, "both jobs finish");

        Assert.Equal([1, 2, 3], attempts.Where(a => a.Id == 1).Select(a => a.Attempt));
        Assert.Equal([1, 2], attempts.Where(a => a.Id == 2).Select(a => a.Attempt));
        Assert.Equal(1, await CountAsync("id = 1 AND state = 'done' AND attempts = 3"));
        Assert.Equal(1, await CountAsync("id = 2 AND state = 'failed' AND attempts = 2 AND last_error = 'InvalidOperationException: always'"));
    }

    [Fact]
    public async Task Worker_HeartbeatsKeepALeaseAlive_WhileAHungJobsLeaseExpires()
    {
        // The beating job's lease would need three heartbeats in a row to be missed (a stall of seconds, not a slow
        // machine's jitter) before it expired; the hung job sends none, so its short lease expires for certain.
        await db.PsqlAsync("""
            INSERT INTO job_kinds (kind, lease_timeout) VALUES ('beating', interval '6 seconds'), ('hung', interval '1 second');
            INSERT INTO jobs (id, kind) VALUES (1, 'beating'), (2, 'hung');
            """);
        var claims = new JobClaims(db.Db);
        await using var workers = new TestWorkers(db);
        await workers.StartAsync("hb:1", o =>
        {
            o.Concurrency = 2;
            o.ShutdownBudget = TimeSpan.Zero;
            o.Handle("beating", (_, _, ct) => Task.Delay(Timeout.Infinite, ct));
            o.Handle("hung", (_, _, ct) => Task.Delay(Timeout.Infinite, ct), h => h.HeartbeatWhileRunning = false);
        });
        await Eventually.TrueAsync(async () => await CountAsync("state = 'processing'") == 2, "both jobs run");

        IReadOnlyList<ReclaimedJob> reclaimed = [];
        await Eventually.TrueAsync(async () => (reclaimed = await claims.ReclaimExpiredAsync(10, CancellationToken.None)).Count > 0, "the hung job's lease expires");
        await Eventually.TrueAsync(async () => await CountAsync("id = 1 AND heartbeat_at > leased_at + interval '7 seconds'") == 1, "the beating job outlives its lease timeout");

        Assert.Equal([2L], reclaimed.Select(r => r.Id));
        Assert.Equal("hb:1", reclaimed[0].PreviousHolder);
        Assert.Empty(await claims.ReclaimExpiredAsync(10, CancellationToken.None));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM workers w JOIN jobs j ON j.id = 1 WHERE w.id = 'hb:1' AND w.current_jobs = 2 AND w.heartbeat_at > j.leased_at"));
    }

    [Fact]
    public async Task Worker_RunsNoMoreOfAKindThanItsMaxConcurrency()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (kind) SELECT 'limited' FROM generate_series(1, 5);
            INSERT INTO jobs (kind) SELECT 'other' FROM generate_series(1, 40);
            """);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var peak = 0;
        await using var workers = new TestWorkers(db);
        await workers.StartAsync("limit:1", o =>
        {
            o.Concurrency = 4;
            o.Handle("limited", async (_, _, _) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref peak, now);
                await gate.Task;
                Interlocked.Decrement(ref running);
            }, h => h.MaxConcurrency = 1);
            o.Handle("other", (_, _, _) => Task.CompletedTask);
        });

        await Eventually.TrueAsync(async () => await CountAsync("kind = 'other' AND state = 'done'") == 40, "the other kind runs beside the blocked one");
        Assert.Equal(1, await CountAsync("kind = 'limited' AND state = 'processing'"));
        gate.SetResult();
        await Eventually.TrueAsync(async () => await CountAsync("kind = 'limited' AND state = 'done'") == 5, "the limited kind finishes");
        Assert.Equal(1, peak);
    }

    [Fact]
    public async Task Worker_OnStop_FinishesWhatFitsTheBudget_ReleasesTheRestWithCheckpoint_AndMarksItselfStopped()
    {
        await db.PsqlAsync("INSERT INTO jobs (id, kind) VALUES (1, 'quick'), (2, 'cooperative'), (3, 'stubborn')");
        var stubbornGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new ConcurrentQueue<long>();
        var log = new ListLogger<JobWorker>();
        await using var workers = new TestWorkers(db);
        await workers.StartAsync("stop:1", o =>
        {
            o.Concurrency = 3;
            o.ShutdownBudget = TimeSpan.FromMilliseconds(800);
            o.Handle("quick", async (job, context, _) =>
            {
                started.Enqueue(job.Id);
                await context.ShutdownRequested.WhenCancelledAsync();
                await Task.Delay(100, CancellationToken.None);
            });
            o.Handle("cooperative", async (job, context, ct) =>
            {
                await context.CheckpointAsync(new { step = 4 }, ct);
                started.Enqueue(job.Id);
                await Task.Delay(Timeout.Infinite, ct);
            });
            o.Handle("stubborn", async (job, context, _) =>
            {
                await context.CheckpointAsync(new { step = 7 }, CancellationToken.None);
                started.Enqueue(job.Id);
                await stubbornGate.Task;
            });
        }, log);
        await Eventually.TrueAsync(() => started.Count == 3, "all three jobs run");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await workers.StopAllAsync();
        stopping.Stop();

        // The budget was waited out (a lower bound no slow machine breaks); the outcomes below show what it did.
        Assert.True(stopping.Elapsed >= TimeSpan.FromMilliseconds(700), $"stopped after {stopping.ElapsedMilliseconds} ms");
        Assert.Equal(0, await CountAsync("state = 'processing'"));
        Assert.Equal(1, await CountAsync("id = 1 AND state = 'done'"));
        Assert.Equal(1, await CountAsync("""id = 2 AND state = 'queued' AND attempts = 0 AND checkpoint = '{"step": 4}'"""));
        Assert.Equal(1, await CountAsync("""id = 3 AND state = 'queued' AND attempts = 0 AND checkpoint = '{"step": 7}'"""));
        Assert.Equal("stopped", await db.ScalarAsync<string>("SELECT state FROM workers WHERE id = 'stop:1'"));

        // Its late result is dropped: refused at completion, or, when a heartbeat saw the release first, dropped as a
        // lost lease. Either way nothing is recorded over the release.
        stubbornGate.SetResult();
        await Eventually.TrueAsync(
            () => log.Warnings.Any(w => w.StartsWith("Job 3 (stubborn): completion refused", StringComparison.Ordinal)
                                        || w.StartsWith("Job 3 (stubborn): the lease moved on", StringComparison.Ordinal)),
            "the stubborn handler's late result is dropped");
        Assert.Equal(1, await CountAsync("id = 3 AND state = 'queued'"));
    }

    private static Task Record(ConcurrentBag<string> ran, ClaimedJob job)
    {
        ran.Add(job.Kind);
        return Task.CompletedTask;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

internal static class CancellationTokenExtensions
{
    public static Task WhenCancelledAsync(this CancellationToken ct)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ct.Register(() => tcs.TrySetResult());
        return tcs.Task;
    }
}
