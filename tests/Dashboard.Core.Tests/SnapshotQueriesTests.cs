using Dashboard.Core.Changes;
using Dashboard.Core.Demo;
using Dashboard.Core.Jobs;
using Dashboard.Testing;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Tests;

public sealed class SnapshotQueriesTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private SnapshotQueries Queries(int cap = 5000) =>
        new(db.Db, Options.Create(new DashboardOptions { FinishedCountCap = cap, LiveCountCap = 100_000 }));

    public Task InitializeAsync() => db.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers;");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Get_CountsEqualGroupBy_OnDemoData()
    {
        await new DemoData(db.Db).SeedAsync();

        var snapshot = await Queries().GetAsync(CancellationToken.None);

        var expected = await db.QueryAsync<(string State, long Count)>("SELECT state, count(*) FROM jobs GROUP BY state");
        foreach (var (state, count) in expected)
        {
            Assert.Equal(count, snapshot.CountOf(state).Count);
            Assert.False(snapshot.CountOf(state).IsEstimate);
        }

        Assert.All(JobStates.Known.Where(s => s is not JobStates.Processing and not JobStates.Discarded), s => Assert.True(snapshot.CountOf(s).Count >= 1000, $"{s} has thousands in the demo"));
        Assert.True(snapshot.CountOf(JobStates.Processing).Count > 0);
        Assert.Equal(DemoData.Kinds.Order(StringComparer.Ordinal), snapshot.Kinds.Select(k => k.Kind));
        Assert.Contains(snapshot.Kinds, k => k.Paused && k.PauseReason is not null);
        Assert.Contains(snapshot.Processing, p => p.IsStuck);
    }

    [Fact]
    public async Task Get_ShowsRunbookPause_AfterReload()
    {
        await db.PsqlAsync("INSERT INTO jobs (kind) SELECT 'search.reindex' FROM generate_series(1, 7)");
        var before = await Queries().GetAsync(CancellationToken.None);

        await db.PsqlAsync("UPDATE jobs SET state='paused' WHERE state='queued' AND kind='search.reindex'");
        var after = await Queries().GetAsync(CancellationToken.None);

        Assert.Equal(7, before.Kinds.Single().CountOf(JobStates.Queued).Count);
        Assert.Equal(0, after.Kinds.Single().CountOf(JobStates.Queued).Count);
        Assert.Equal(7, after.Kinds.Single().CountOf(JobStates.Paused).Count);
        Assert.Equal(7, after.CountOf(JobStates.Paused).Count);
    }

    [Fact]
    public async Task Get_ShowsUnknownState_WhenWrittenByHand()
    {
        await db.PsqlAsync(
            """
            INSERT INTO jobs (kind, state) VALUES ('email.send', 'on-hold <b>x</b>'), ('email.send', 'on-hold <b>x</b>'),
              ('email.send', 'failed'), ('email.send', 'a-custom'), ('email.send', 'done'), ('email.send', 'queued')
            """);

        var snapshot = await Queries().GetAsync(CancellationToken.None);

        Assert.Equal(2, snapshot.CountOf("on-hold <b>x</b>").Count);
        Assert.Equal("on-hold <b>x</b>", snapshot.States[^1].State);
        var kind = snapshot.Kinds.Single();
        Assert.Equal(2, kind.CountOf("on-hold <b>x</b>").Count);
        // The known states in their order, then the others by name.
        Assert.Equal(["queued", "done", "failed", "a-custom", "on-hold <b>x</b>"], kind.Counts.Select(c => c.State));
    }

    [Fact]
    public async Task Get_FlagsStuckLeasesFirst_UsingTheKindsTimeout()
    {
        await db.PsqlAsync("""
            INSERT INTO job_kinds (kind, lease_timeout) VALUES ('slow', interval '1 hour');
            INSERT INTO jobs (id, kind, state, leased_by, leased_at, heartbeat_at, lease_token) VALUES
              (1, 'fast', 'processing', 'a:1', now() - interval '1 minute', now() - interval '10 seconds', gen_random_uuid()),
              (2, 'fast', 'processing', 'a:1', now() - interval '9 minutes', now() - interval '6 minutes', gen_random_uuid()),
              (3, 'slow', 'processing', 'b:2', now() - interval '9 minutes', now() - interval '6 minutes', gen_random_uuid()),
              (4, 'fast', 'processing', 'c:3', now() - interval '7 minutes', NULL, gen_random_uuid());
            """);

        var snapshot = await Queries().GetAsync(CancellationToken.None);

        Assert.Equal([2L, 4L, 3L, 1L], snapshot.Processing.Select(p => p.Id));
        Assert.Equal([true, true, false, false], snapshot.Processing.Select(p => p.IsStuck));
        Assert.Equal(TimeSpan.FromHours(1), snapshot.Processing.Single(p => p.Id == 3).LeaseTimeout);
        Assert.Equal(2, snapshot.StuckCount);
    }

    [Fact]
    public async Task Get_MarksFinishedCountsAsEstimates_AboveTheCap()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (kind, state) SELECT 'bulk', 'done' FROM generate_series(1, 300);
            INSERT INTO jobs (kind, state) SELECT 'bulk', 'failed' FROM generate_series(1, 20);
            INSERT INTO jobs (kind, state) SELECT 'rare', 'done' FROM generate_series(1, 5);
            INSERT INTO jobs (kind, state) SELECT 'bulk', 'queued' FROM generate_series(1, 10);
            ANALYZE jobs;
            """);

        var snapshot = await Queries(cap: 100).GetAsync(CancellationToken.None);

        var done = snapshot.CountOf(JobStates.Done);
        Assert.True(done.IsEstimate);
        // One finished state over the cap: total rows minus the exact rest.
        Assert.Equal(305, done.Count);
        Assert.Equal(new StateCount(JobStates.Failed, 20, false), snapshot.CountOf(JobStates.Failed));
        var bulk = snapshot.Kinds.Single(k => k.Kind == "bulk");
        // The kind's own count passed the cap: the planner's estimate for the pair (300 rows), not the cap.
        var bulkDone = bulk.CountOf(JobStates.Done);
        Assert.True(bulkDone.IsEstimate);
        Assert.InRange(bulkDone.Count, 270, 330);
        Assert.Equal(new StateCount(JobStates.Done, 5, false), snapshot.Kinds.Single(k => k.Kind == "rare").CountOf(JobStates.Done));
    }

    [Fact]
    public async Task Get_CountsFinishedPairsAtTheCap_OnlyOnTheFullCadence()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (kind, state) SELECT 'bulk', 'done' FROM generate_series(1, 300);
            INSERT INTO jobs (kind, state) SELECT 'bulk', 'failed' FROM generate_series(1, 20);
            ANALYZE jobs;
            """);
        // Every read is a slow one; a full count is due on the first read only.
        var queries = new SnapshotQueries(db.Db, Options.Create(new DashboardOptions
        {
            FinishedCountCap = 100,
            SlowCountInterval = TimeSpan.Zero,
            FullCountInterval = TimeSpan.FromHours(1),
        }));
        var first = (await queries.GetAsync(CancellationToken.None)).Kinds.Single(k => k.Kind == "bulk");
        Assert.True(first.CountOf(JobStates.Done).IsEstimate);

        await db.PsqlAsync("DELETE FROM jobs WHERE state = 'done'; DELETE FROM jobs WHERE state = 'failed' AND id % 2 = 0;");
        var failedNow = await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE state = 'failed'");
        var second = (await queries.GetAsync(CancellationToken.None)).Kinds.Single(k => k.Kind == "bulk");

        // Below the cap: counted again on the slow cadence. At the cap: the last full count's figure until the next.
        Assert.Equal(new StateCount(JobStates.Failed, failedNow, false), second.CountOf(JobStates.Failed));
        Assert.Equal(first.CountOf(JobStates.Done), second.CountOf(JobStates.Done));

        var afterFull = (await Queries(cap: 100).GetAsync(CancellationToken.None)).Kinds.Single(k => k.Kind == "bulk");
        Assert.Equal(0, afterFull.CountOf(JobStates.Done).Count);
    }

    [Fact]
    public async Task Get_KeepsAKindWhoseLastLiveJobFinished_UntilTheFinishedCountsAreRead()
    {
        await db.PsqlAsync("INSERT INTO jobs (kind, state) VALUES ('k.only', 'queued')");
        var queries = new SnapshotQueries(db.Db, Options.Create(new DashboardOptions { SlowCountInterval = TimeSpan.FromHours(1) }));
        var first = await queries.GetAsync(CancellationToken.None);

        await db.PsqlAsync("UPDATE jobs SET state = 'failed' WHERE kind = 'k.only'");
        var between = await queries.GetAsync(CancellationToken.None);
        var counted = await Queries().GetAsync(CancellationToken.None);

        Assert.Equal(1, first.Kinds.Single(k => k.Kind == "k.only").CountOf(JobStates.Queued).Count);
        // Between two finished counts the row stays, with no queued job; the next finished count shows the failure.
        Assert.Equal(0, between.Kinds.Single(k => k.Kind == "k.only").CountOf(JobStates.Queued).Count);
        Assert.Equal(1, counted.Kinds.Single(k => k.Kind == "k.only").CountOf(JobStates.Failed).Count);
    }

    [Fact]
    public async Task Get_DropsAKindWithNoRowsLeft_AtTheNextFinishedCount()
    {
        await db.PsqlAsync("INSERT INTO jobs (kind, state) VALUES ('k.gone', 'queued')");
        var queries = new SnapshotQueries(db.Db, Options.Create(new DashboardOptions { SlowCountInterval = TimeSpan.Zero }));
        Assert.Contains((await queries.GetAsync(CancellationToken.None)).Kinds, k => k.Kind == "k.gone");

        await db.PsqlAsync("DELETE FROM jobs WHERE kind = 'k.gone'");

        Assert.DoesNotContain((await queries.GetAsync(CancellationToken.None)).Kinds, k => k.Kind == "k.gone");
    }

    [Fact]
    public async Task Get_ShowsWorkersAndIntake()
    {
        await db.PsqlAsync("""
            INSERT INTO workers (id, host, pid, heartbeat_at) VALUES ('live:1', 'live', 1, now()), ('dead:2', 'dead', 2, now() - interval '10 minutes');
            UPDATE queue_control SET accepting = false, changed_by = 'deploy-bot', reason = 'deploy 142';
            """);

        var snapshot = await Queries().GetAsync(CancellationToken.None);

        Assert.Equal([("dead:2", false), ("live:1", true)], snapshot.Workers.Select(w => (w.Id, w.IsAlive)));
        Assert.False(snapshot.Intake.Accepting);
        Assert.Equal("deploy-bot", snapshot.Intake.ChangedBy);
        await db.PsqlAsync("UPDATE queue_control SET accepting = true");
    }

    [Fact]
    public async Task Insert_ParksJobAsPaused_WhenKindIsPaused()
    {
        await db.PsqlAsync("INSERT INTO job_kinds (kind, paused) VALUES ('held', true)");

        await db.PsqlAsync("INSERT INTO jobs (kind) VALUES ('held'), ('free')");

        var states = await db.QueryAsync<(string, string)>("SELECT kind, state FROM jobs ORDER BY kind");
        Assert.Equal([("free", "queued"), ("held", "paused")], states);
    }
}
