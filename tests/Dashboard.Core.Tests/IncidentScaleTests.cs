using Dashboard.Core.Actions;
using Dashboard.Core.Changes;
using Dashboard.Core.Claims;
using Dashboard.Core.Jobs;
using Dashboard.Testing;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Tests.ActionTestData;
using Gate = Dashboard.Core.DeployGate.DeployGate;

namespace Dashboard.Core.Tests;

/// <summary>
/// The overview at incident scale: thousands of leases over hundreds of kinds, dead and live workers. Every figure
/// must equal what SQL says over all rows, not what fits in the first page of a list.
/// </summary>
public sealed class IncidentScaleTests(TestDatabase db) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    // 2,006 stuck leases (claimed two hours ago, no heartbeat) held by seven dead workers over 200 kinds, plus 30 fresh
    // leases held by three live workers: 2,036 processing rows.
    private const string IncidentSql = """
        INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts)
        SELECT format('kind.%s', lpad((i % 200)::text, 3, '0')), 'processing', format('probe-w:%s', i % 7),
               now() - interval '2 hours' - make_interval(secs => i), NULL, gen_random_uuid(), 1
        FROM generate_series(1, 2006) AS i;
        INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at, lease_token, attempts)
        SELECT format('live.%s', i % 5), 'processing', format('live-w:%s', i % 3),
               now() - make_interval(secs => i), now() - interval '2 seconds', gen_random_uuid(), 1
        FROM generate_series(1, 30) AS i;
        INSERT INTO workers (id, host, pid, heartbeat_at)
        SELECT format('live-w:%s', w), 'live', w, now() FROM generate_series(0, 2) AS w;
        INSERT INTO workers (id, host, pid, heartbeat_at)
        SELECT format('probe-w:%s', w), 'probe', w, now() - interval '3 hours' FROM generate_series(0, 3) AS w;
        """;

    private SnapshotQueries Queries(int liveCap = 1000) =>
        new(db.Db, Options.Create(new DashboardOptions { LiveCountCap = liveCap }));

    public async Task InitializeAsync()
    {
        await db.PsqlAsync("DELETE FROM jobs; DELETE FROM job_kinds; DELETE FROM workers; UPDATE queue_control SET default_lease_timeout = interval '5 minutes';");
        await db.PsqlAsync(IncidentSql);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StuckCounts_EqualSqlGroundTruth_OverAllLeases()
    {
        var snapshot = await Queries().GetAsync(CancellationToken.None);

        Assert.Equal(2006, snapshot.StuckCount);
        Assert.Equal(2036, snapshot.Leases.Processing);
        Assert.Equal(2036, snapshot.CountOf(JobStates.Processing).Count);
        Assert.Equal(SnapshotQueries.PageSize, snapshot.Processing.Count);
        var perKind = await db.QueryAsync<(string Kind, long Stuck)>(
            "SELECT kind, count(*) FROM jobs WHERE state = 'processing' AND heartbeat_at IS NULL GROUP BY kind");
        Assert.Equal(200, perKind.Count);
        Assert.All(perKind, k => Assert.Equal(k.Stuck, snapshot.Kinds.Single(s => s.Kind == k.Kind).Stuck));
        Assert.All(snapshot.Kinds.Where(k => k.Kind.StartsWith("live.", StringComparison.Ordinal)), k => Assert.Equal(0, k.Stuck));
    }

    [Fact]
    public async Task InFlightPerWorker_EqualsSql_AndAddsUpToProcessing()
    {
        var snapshot = await Queries().GetAsync(CancellationToken.None);

        var truth = await db.QueryAsync<(string Worker, long Jobs)>(
            "SELECT leased_by, count(*) FROM jobs WHERE state = 'processing' GROUP BY leased_by");
        Assert.Equal(10, snapshot.WorkerTotal);
        Assert.All(truth, t => Assert.Equal(t.Jobs, snapshot.Workers.Single(w => w.Id == t.Worker).InFlight));
        Assert.Equal(snapshot.Leases.Processing, snapshot.Workers.Sum(w => w.InFlight));
        Assert.All(snapshot.Workers.Where(w => w.Id.StartsWith("live-w", StringComparison.Ordinal)), w => Assert.Equal(WorkerPhase.Running, w.Phase));
        // Dead: registered but silent for hours, or never registered at all (probe-w:4..6).
        var dead = snapshot.Workers.Where(w => w.Id.StartsWith("probe-w", StringComparison.Ordinal)).ToList();
        Assert.Equal(7, dead.Count);
        Assert.All(dead, w => Assert.Equal(WorkerPhase.Gone, w.Phase));
        Assert.Equal(3, dead.Count(w => !w.Registered));
        var oldest = await db.ScalarAsync<DateTime>("SELECT min(leased_at) FROM jobs WHERE state = 'processing'");
        Assert.Equal(DateTime.SpecifyKind(oldest, DateTimeKind.Utc), snapshot.Leases.OldestRunningSince!.Value.UtcDateTime);
    }

    [Fact]
    public async Task GoneWorkersJobCount_FollowsReleases()
    {
        var before = (await Queries().GetAsync(CancellationToken.None)).Workers.Single(w => w.Id == "probe-w:0").InFlight;
        var two = await db.QueryAsync<long>("SELECT id FROM jobs WHERE leased_by = 'probe-w:0' ORDER BY id LIMIT 2");
        var actions = CreateActions(db);
        foreach (var id in two)
        {
            var result = await actions.ExecuteAsync(
                new ReleaseLease(id, "probe-w:0", await LeasedAtAsync(db, id)), Alice, "dead worker", Key(), CancellationToken.None);
            Assert.Equal(ActionOutcome.Applied, result.Outcome);
        }

        var after = await Queries().GetAsync(CancellationToken.None);

        var truth = await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE state = 'processing' AND leased_by = 'probe-w:0'");
        Assert.Equal(before - 2, after.Workers.Single(w => w.Id == "probe-w:0").InFlight);
        Assert.Equal(truth, after.Workers.Single(w => w.Id == "probe-w:0").InFlight);
        Assert.Equal(2004, after.StuckCount);
    }

    [Fact]
    public async Task LeaseList_IsPagedOnTheServer_WithFilters()
    {
        var lists = new ListQueries(db.Db, Options.Create(new DashboardOptions()), TimeProvider.System);
        var ids = new List<long>();
        for (var offset = 0; ; offset += 500)
        {
            var page = await lists.GetLeasesAsync(new LeaseFilter(), offset, 500, CancellationToken.None);
            Assert.Equal(2036, page.Total);
            ids.AddRange(page.Items.Select(p => p.Id));
            if (page.Items.Count < 500)
            {
                break;
            }
        }

        Assert.Equal(2036, ids.Distinct().Count());
        var stuckOfKind = await lists.GetLeasesAsync(new LeaseFilter(Kind: "kind.007", StuckOnly: true), 0, 100, CancellationToken.None);
        Assert.Equal(await db.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE kind = 'kind.007'"), stuckOfKind.Total);
        Assert.All(stuckOfKind.Items, p => Assert.True(p.IsStuck && p.Kind == "kind.007"));
        var ofWorker = await lists.GetLeasesAsync(new LeaseFilter(Worker: "live-w:1"), 0, 100, CancellationToken.None);
        Assert.Equal(10, ofWorker.Total);
        Assert.All(ofWorker.Items, p => Assert.False(p.IsStuck));
        var workers = await lists.GetWorkersAsync(new WorkerFilter(StuckOnly: true), 0, 5, CancellationToken.None);
        Assert.Equal(7, workers.Total);
        Assert.Equal(5, workers.Items.Count);
        var holdersOfKind = await lists.GetWorkersAsync(new WorkerFilter(Kind: "kind.007"), 0, 50, CancellationToken.None);
        Assert.Equal(stuckOfKind.Total, holdersOfKind.Items.Sum(w => w.InFlight));
    }

    [Fact]
    public async Task SnapshotFirstPages_AreTheListsFirstPages()
    {
        var snapshot = await Queries().GetAsync(CancellationToken.None);
        var lists = new ListQueries(db.Db, Options.Create(new DashboardOptions()), TimeProvider.System);

        var leases = await lists.GetLeasesAsync(new LeaseFilter(), 0, SnapshotQueries.PageSize, CancellationToken.None);
        var workers = await lists.GetWorkersAsync(new WorkerFilter(), 0, SnapshotQueries.PageSize, CancellationToken.None);

        Assert.Equal(leases.Items, snapshot.Processing);
        Assert.All(snapshot.Processing, p => Assert.True(p.IsStuck));
        Assert.Equal(workers.Items, snapshot.Workers);
        Assert.Equal(workers.Total, snapshot.WorkerTotal);
        // 2,006 leases over probe-w:0..6: residues 1 to 4 hold 287 each, the biggest holders come first.
        Assert.Equal(["probe-w:1", "probe-w:2", "probe-w:3"], snapshot.Workers.Take(3).Select(w => w.Id));
    }

    [Fact]
    public async Task StuckRule_IsTheSame_ForSnapshotReleaseReclaimAndGate()
    {
        // One default lease timeout, in the database: raising it un-sticks every lease without a kind timeout, for
        // everyone at once.
        await db.PsqlAsync("UPDATE queue_control SET default_lease_timeout = interval '3 hours'");
        var snapshot = await Queries().GetAsync(CancellationToken.None);
        var release = await CreateActions(db).PreviewAsync(new ReleaseStuckLeases(Kind: "kind.001"), CancellationToken.None);
        var reclaimed = await new JobClaims(db.Db).ReclaimExpiredAsync(100, CancellationToken.None);
        Assert.Equal((0L, 0L, 0), (snapshot.StuckCount, release.RowsAffected, reclaimed.Count));
        Assert.All(snapshot.Kinds, k => Assert.Equal(TimeSpan.FromHours(3), k.LeaseTimeout));

        // A pause creates the kind's row; it must not pin the kind to another timeout.
        await CreateActions(db).ExecuteAsync(new PauseKind("kind.001"), Alice, "incident", Key(), CancellationToken.None);
        await db.PsqlAsync("UPDATE queue_control SET default_lease_timeout = interval '5 minutes'");
        snapshot = await Queries().GetAsync(CancellationToken.None);
        release = await CreateActions(db).PreviewAsync(new ReleaseStuckLeases(Kind: "kind.001"), CancellationToken.None);
        var stuckOfKind = snapshot.Kinds.Single(k => k.Kind == "kind.001").Stuck;
        Assert.Equal(2006, snapshot.StuckCount);
        Assert.Equal(stuckOfKind, release.RowsAffected);
        var gate = await new Gate(db.Db, CreateActions(db), new Dashboard.Core.Readiness.ReadinessQueries(db.Db)).GetStatusAsync(CancellationToken.None);
        var oldestMinutes = await db.ScalarAsync<int>(
            "SELECT floor(extract(epoch FROM now() - min(leased_at)) / 60)::int FROM jobs WHERE state = 'processing'");
        Assert.Equal((2036L, oldestMinutes), (gate.Running, gate.OldestRunningMinutes));
        reclaimed = await new JobClaims(db.Db).ReclaimExpiredAsync(5000, CancellationToken.None);
        Assert.Equal(2006, reclaimed.Count);
        Assert.Equal(0, (await Queries().GetAsync(CancellationToken.None)).StuckCount);
    }

    [Fact]
    public async Task LiveCounts_AreExactUpToTheCap_AndEstimatedAbove()
    {
        await db.PsqlAsync("""
            INSERT INTO jobs (kind, run_at) SELECT 'backlog', now() - make_interval(secs => i) FROM generate_series(1, 3000) AS i;
            INSERT INTO jobs (kind) SELECT 'small' FROM generate_series(1, 40);
            ANALYZE jobs;
            """);
        var queries = Queries(liveCap: 100);

        var first = await queries.GetAsync(CancellationToken.None);
        var second = await queries.GetAsync(CancellationToken.None);

        var backlog = second.Kinds.Single(k => k.Kind == "backlog");
        Assert.True(backlog.CountOf(JobStates.Queued).IsEstimate);
        Assert.True(first.Kinds.Single(k => k.Kind == "backlog").CountOf(JobStates.Queued).Count > 100);
        // The planner's estimate from the (state, kind) statistics, refreshed by ANALYZE.
        Assert.InRange(backlog.CountOf(JobStates.Queued).Count, 2400, 3600);
        Assert.Equal(new StateCount(JobStates.Queued, 40, false), second.Kinds.Single(k => k.Kind == "small").CountOf(JobStates.Queued));
        Assert.True(second.CountOf(JobStates.Queued).IsEstimate);
        var oldest = await db.ScalarAsync<DateTime>("SELECT min(run_at) FROM jobs WHERE kind = 'backlog'");
        Assert.Equal(DateTime.SpecifyKind(oldest, DateTimeKind.Utc), backlog.OldestQueuedAt!.Value.UtcDateTime);
        // Processing stays exact above the cap: it is the set of leases.
        Assert.Equal(new StateCount(JobStates.Processing, 2036, false), second.CountOf(JobStates.Processing));
    }
}
