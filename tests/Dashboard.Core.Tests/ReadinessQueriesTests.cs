using Dashboard.Core.Claims;
using Dashboard.Core.Readiness;
using Dashboard.Testing;

namespace Dashboard.Core.Tests;

public sealed class ReadinessQueriesTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan _grace = TimeSpan.FromSeconds(30);

    private ReadinessQueries Queries => new(db.Db);

    public Task InitializeAsync() => db.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds;");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Verdict_FollowsProgressRate_WhenTheJobReportsProgress()
    {
        // 90 % done 540 s into the attempt: 60 s left, whatever the kind's history says.
        await KindAsync("video.transcode", idempotent: false, checkpoints: true);
        await FinishedAsync("video.transcode", runSeconds: 5, count: 20);
        var id = await RunningAsync("video.transcode", elapsedSeconds: 600, progress: 0.9, progressAfterSeconds: 540);

        var in2m = await VerdictOfAsync(id, TimeSpan.FromMinutes(2));
        var in30s = await VerdictOfAsync(id, _grace);

        Assert.Equal((Verdict.Finishes, RemainingBasis.Progress), (in2m.Verdict, in2m.Basis));
        Assert.InRange(in2m.Remaining!.Value.TotalSeconds, 59.9, 60.1);
        Assert.Equal(Verdict.Resumes, in30s.Verdict);
        Assert.Equal(0.9, in30s.Progress!.Value, 3);
        Assert.Equal("released with its checkpoint; resumes at 90 %", Verdicts.Explain(in30s));
    }

    [Fact]
    public async Task Verdict_UsesOnlyThisAttemptsProgress_WhenItResumedFromACheckpoint()
    {
        // Resumed at 50 %, now 60 % after 100 s: 10 points per 100 s, so 400 s left (not 60 s·40/60).
        await KindAsync("report.build", idempotent: true, checkpoints: true);
        var id = await RunningAsync("report.build", elapsedSeconds: 120, progress: 0.6, progressAfterSeconds: 100, progressBase: 0.5);

        var job = await VerdictOfAsync(id, TimeSpan.FromMinutes(5));

        Assert.Equal(Verdict.Resumes, job.Verdict);
        Assert.InRange(job.Remaining!.Value.TotalSeconds, 399.9, 400.1);
    }

    [Fact]
    public async Task Verdict_FollowsRecentRunTimes_WhenThereIsNoProgress()
    {
        // Finished runs of 100..1000 s: p95 955 s; a job 60 s in has about 895 s left.
        await KindAsync("ledger.reconcile", idempotent: true, checkpoints: false);
        for (var i = 1; i <= 10; i++)
        {
            await FinishedAsync("ledger.reconcile", runSeconds: i * 100, count: 1);
        }

        var id = await RunningAsync("ledger.reconcile", elapsedSeconds: 60);

        var in20m = await VerdictOfAsync(id, TimeSpan.FromMinutes(20));
        var in30s = await VerdictOfAsync(id, _grace);

        Assert.Equal((Verdict.Finishes, RemainingBasis.RecentRuns, 10), (in20m.Verdict, in20m.Basis, in20m.RecentRuns));
        Assert.InRange(in20m.RecentRunP95!.Value.TotalSeconds, 954.9, 955.1);
        Assert.InRange(in20m.RecentRunP50!.Value.TotalSeconds, 549.9, 550.1);
        Assert.InRange(in20m.Remaining!.Value.TotalSeconds, 800, 895.1);
        Assert.Equal(Verdict.Reruns, in30s.Verdict);
    }

    [Fact]
    public async Task Verdict_IsUnsafe_WithoutProgressOrHistory_ForANonIdempotentKind()
    {
        await KindAsync("billing.charge", idempotent: false, checkpoints: false);
        await KindAsync("cache.warm", idempotent: true, checkpoints: false);
        var charge = await RunningAsync("billing.charge", elapsedSeconds: 1);
        var warm = await RunningAsync("cache.warm", elapsedSeconds: 1);
        var undeclared = await RunningAsync("legacy.kind", elapsedSeconds: 1);

        var report = await Queries.GetReportAsync(TimeSpan.FromHours(1), 10, CancellationToken.None);

        var byId = report.Jobs.ToDictionary(j => j.Id);
        Assert.Equal((Verdict.Unsafe, RemainingBasis.Unknown), (byId[charge].Verdict, byId[charge].Basis));
        Assert.Null(byId[charge].Remaining);
        Assert.Equal(Verdict.Reruns, byId[warm].Verdict);
        Assert.Equal(Verdict.Unsafe, byId[undeclared].Verdict);
        Assert.Null(byId[undeclared].Idempotent);
        Assert.False(report.IsSafe);
        Assert.Equal(2, report.CountOf(Verdict.Unsafe));
    }

    [Fact]
    public async Task Verdict_IsUnknownRemaining_OnceTheJobOutranItsKindsRecentRuns()
    {
        await KindAsync("export.csv", idempotent: false, checkpoints: true);
        await FinishedAsync("export.csv", runSeconds: 10, count: 5);
        var id = await RunningAsync("export.csv", elapsedSeconds: 300);

        var job = await VerdictOfAsync(id, TimeSpan.FromHours(1));

        Assert.Equal((Verdict.Resumes, RemainingBasis.Unknown), (job.Verdict, job.Basis));
    }

    [Fact]
    public async Task Verdict_IsOverMax_PastTheKindsMaximumRunTime_WhateverElseHolds()
    {
        await KindAsync("webhook.deliver", idempotent: true, checkpoints: false, maxRunTime: TimeSpan.FromMinutes(2));
        var over = await RunningAsync("webhook.deliver", elapsedSeconds: 600, progress: 0.99, progressAfterSeconds: 590);
        var under = await RunningAsync("webhook.deliver", elapsedSeconds: 10, progress: 0.5, progressAfterSeconds: 5);

        var report = await Queries.GetReportAsync(_grace, 10, CancellationToken.None);

        var byId = report.Jobs.ToDictionary(j => j.Id);
        Assert.Equal(Verdict.OverMaxRunTime, byId[over].Verdict);
        Assert.Equal(TimeSpan.FromMinutes(2), byId[over].MaxRunTime);
        Assert.Equal(Verdict.Finishes, byId[under].Verdict);
    }

    [Fact]
    public async Task Report_CountsEveryRunningJob_WhileListingOnlyTheMostUrgent()
    {
        await KindAsync("a.reruns", idempotent: true, checkpoints: false);
        await KindAsync("b.unsafe", idempotent: false, checkpoints: false);
        await KindAsync("c.resumes", idempotent: false, checkpoints: true);
        await db.PsqlAsync(
            """
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts)
            SELECT (ARRAY['a.reruns', 'b.unsafe', 'c.resumes'])[1 + i % 3], 'processing', 'w:' || (i % 40),
                   now() - interval '1 minute', now(), gen_random_uuid(), 1
            FROM generate_series(1, 3000) AS i;
            INSERT INTO jobs (kind, state) SELECT 'a.reruns', 'queued' FROM generate_series(1, 500);
            """);

        var report = await Queries.GetReportAsync(_grace, 50, CancellationToken.None);

        Assert.Equal(3000, report.Running);
        Assert.Equal((1000L, 1000L, 1000L, 0L), (report.CountOf(Verdict.Reruns), report.CountOf(Verdict.Unsafe), report.CountOf(Verdict.Resumes), report.CountOf(Verdict.Finishes)));
        Assert.Equal(50, report.Jobs.Count);
        Assert.All(report.Jobs, j => Assert.Equal(Verdict.Unsafe, j.Verdict));
        Assert.Equal(["a.reruns", "b.unsafe", "c.resumes"], report.Kinds.Select(k => k.Kind));
    }

    [Fact]
    public async Task ListForJobs_ReturnsOnlyTheGivenJobsStillRunning()
    {
        var mine = await RunningAsync("k", elapsedSeconds: 5);
        await RunningAsync("k", elapsedSeconds: 5);
        var done = await RunningAsync("k", elapsedSeconds: 5);
        await db.PsqlAsync("UPDATE jobs SET state = 'done', finished_at = now() WHERE id = @done", new { done });

        var jobs = await Queries.ListForJobsAsync([mine, done], _grace, CancellationToken.None);

        Assert.Equal([mine], jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task RecentRuns_CanUseTheirIndex()
    {
        var plan = string.Join("\n", await db.QueryAsync<string>(
            "BEGIN; SET LOCAL enable_seqscan = off; EXPLAIN "
            + ReadinessQueries.VerdictsCte.Replace("@Ids::bigint[]", "NULL::bigint[]", StringComparison.Ordinal)
                .Replace("@RecentRuns", "100", StringComparison.Ordinal).Replace("@GraceSeconds", "30", StringComparison.Ordinal)
            + " SELECT count(*) FROM verdicts; COMMIT;"));

        Assert.Contains("jobs_recent_runs_idx", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_RecordsWhereTheAttemptStarted_SoARetryMeasuresItsOwnRate()
    {
        var claims = new JobClaims(db.Db);
        await db.PsqlAsync("INSERT INTO jobs (kind) VALUES ('resumable')");
        var first = (await claims.ClaimAsync("w:1", ["resumable"], 1, CancellationToken.None)).Single();
        await claims.CheckpointAsync(first.Lease, """{"page":2}""", 0.2, CancellationToken.None);
        await claims.CheckpointAsync(first.Lease, """{"page":3}""", 0.3, CancellationToken.None);
        await claims.ReleaseAsync(first.Lease, CancellationToken.None);
        var second = (await claims.ClaimAsync("w:2", ["resumable"], 1, CancellationToken.None)).Single();
        var afterClaim = await ProgressAsync(second.Id);
        await claims.CheckpointAsync(second.Lease, """{"page":4}""", 0.4, CancellationToken.None);
        await claims.CheckpointAsync(second.Lease, """{"page":5}""", null, CancellationToken.None);

        Assert.Equal((0.3, 0.0), afterClaim);
        Assert.Equal((0.4, 0.3), await ProgressAsync(second.Id));
        Assert.Equal("""{"page": 5}""", await db.ScalarAsync<string>("SELECT checkpoint::text FROM jobs WHERE id = @id", new { id = second.Id }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => claims.CheckpointAsync(second.Lease, "{}", 1.5, CancellationToken.None));
    }

    [Fact]
    public async Task Declare_StoresFacts_AndChangesNothingWhenRepeated()
    {
        var commands = new KindFactsCommands(db.Db);
        await db.PsqlAsync("INSERT INTO job_kinds (kind, lease_timeout, paused) VALUES ('existing', interval '1 minute', true)");
        KindFacts[] facts =
        [
            new("existing", Idempotent: true, Checkpoints: false, MaxRunTime: TimeSpan.FromMinutes(3)),
            new("new.kind", Idempotent: false, Checkpoints: true, MaxRunTime: null),
        ];

        var first = await commands.DeclareAsync(facts, "host:1", CancellationToken.None);
        var again = await commands.DeclareAsync(facts, "host:2", CancellationToken.None);

        Assert.Equal((2, 0), (first, again));
        var rows = await db.QueryAsync<(string Kind, bool? Idempotent, bool? Checkpoints, TimeSpan? Max, TimeSpan? Lease, bool Paused, string By)>(
            "SELECT kind, idempotent, checkpoints, max_run_time, lease_timeout, paused, facts_declared_by FROM job_kinds ORDER BY kind");
        Assert.Equal(
            [("existing", true, false, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1), true, "host:1"),
             ("new.kind", false, true, null, (TimeSpan?)null, false, "host:1")],
            rows);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            commands.DeclareAsync([new("x", true, true, TimeSpan.Zero)], "host:1", CancellationToken.None));
    }

    private async Task<RunningJobReadiness> VerdictOfAsync(long id, TimeSpan grace) =>
        (await Queries.ListForJobsAsync([id], grace, CancellationToken.None)).Single();

    private Task<(double Progress, double Base)> ProgressAsync(long id) =>
        db.ScalarAsync<string>("SELECT progress || ';' || coalesce(progress_base, 0) FROM jobs WHERE id = @id", new { id })
            .ContinueWith(t => (double.Parse(t.Result.Split(';')[0], System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(t.Result.Split(';')[1], System.Globalization.CultureInfo.InvariantCulture)), TaskScheduler.Default);

    private Task<int> KindAsync(string kind, bool idempotent, bool checkpoints, TimeSpan? maxRunTime = null) =>
        db.PsqlAsync(
            "INSERT INTO job_kinds (kind, idempotent, checkpoints, max_run_time) VALUES (@kind, @idempotent, @checkpoints, @maxRunTime)",
            new { kind, idempotent, checkpoints, maxRunTime });

    private Task<int> FinishedAsync(string kind, int runSeconds, int count) =>
        db.PsqlAsync(
            """
            INSERT INTO jobs (kind, state, leased_by, leased_at, finished_at, attempts)
            SELECT @kind, 'done', 'w:0', now() - interval '1 hour' - make_interval(secs => @runSeconds),
                   now() - interval '1 hour', 1
            FROM generate_series(1, @count)
            """,
            new { kind, runSeconds, count });

    private Task<long> RunningAsync(
        string kind, int elapsedSeconds, double? progress = null, int progressAfterSeconds = 0, double? progressBase = null) =>
        db.ScalarAsync<long>(
            """
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts, progress, progress_base, progress_at)
            SELECT @kind, 'processing', 'w:1', t.leased_at, now(), gen_random_uuid(), 1, @progress::real, @progressBase::real,
                   CASE WHEN @progress::real IS NOT NULL THEN t.leased_at + make_interval(secs => @progressAfterSeconds) END
            FROM (SELECT now() - make_interval(secs => @elapsedSeconds) AS leased_at) t
            RETURNING id
            """,
            new { kind, elapsedSeconds, progress = (float?)progress, progressAfterSeconds, progressBase = (float?)progressBase });
}
