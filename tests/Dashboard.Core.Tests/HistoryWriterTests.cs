using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Core.History;
using Dashboard.Core.Singletons;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Tests;

/// <summary>Each scenario gets its own database: a minute written for good is never recounted.</summary>
public abstract class HistoryWriterTestBase(TestDatabase db)
{
    protected TestDatabase Db => db;

    protected static readonly TimeSpan _deadline = TimeSpan.FromMinutes(5);

    // Reference figures computed straight from jobs, the way an operator would in psql.
    protected const string ExpectedSql = """
        SELECT kind AS Kind, date_trunc('minute', finished_at) AS Bucket,
               count(*) FILTER (WHERE state = 'done') AS Completed,
               count(*) FILTER (WHERE state = 'failed') AS Failed,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - leased_at) * 1000) AS RunP95Ms,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM leased_at - run_at) * 1000) AS WaitP50Ms
        FROM jobs
        WHERE kind LIKE @Prefix AND state IN ('done', 'failed')
        GROUP BY 1, 2
        ORDER BY 1, 2
        """;

    protected const string ActualSql = """
        SELECT kind AS Kind, bucket AS Bucket, completed AS Completed, failed AS Failed, run_p95_ms AS RunP95Ms,
               wait_p50_ms AS WaitP50Ms
        FROM job_history
        WHERE kind LIKE @Prefix AND (completed > 0 OR failed > 0)
        ORDER BY 1, 2
        """;

    protected IOptions<DashboardOptions> Options() => Microsoft.Extensions.Options.Options.Create(new DashboardOptions
    {
        ConnectionString = db.ConnectionString,
        Singletons = new SingletonOptions { RetryInterval = TimeSpan.FromMilliseconds(200), CheckInterval = TimeSpan.FromMilliseconds(200) },
        History = new HistoryOptions { LiveInterval = TimeSpan.FromMilliseconds(200), Grace = TimeSpan.Zero },
    });

    protected HistoryWriter Writer(string instance, IDashboardState? state = null) => new(
        new HistoryQueries(db.Db),
        state ?? new ChangeFeed(),
        new SingletonLocks(Options(), new InstanceIdentity(instance), NullLogger<SingletonLocks>.Instance),
        Options(),
        NullLogger<HistoryWriter>.Instance);

    // Thousands of finished jobs spread over the last 20 minutes, with varied run and wait times, in several kinds.
    protected async Task SeedFinishedAsync(string prefix, int count) => await db.PsqlAsync("""
        INSERT INTO jobs (kind, state, run_at, leased_at, leased_by, finished_at, attempts, created_at)
        SELECT @Prefix || (i % 3), CASE WHEN i % 7 = 0 THEN 'failed' ELSE 'done' END,
               f - make_interval(secs => 2 + (i % 11) * 0.5 + (i % 13)), f - make_interval(secs => 1 + (i % 17) * 0.25),
               'w:1', f, 1, f - interval '30 seconds'
        FROM generate_series(1, @Count) AS i,
             LATERAL (SELECT now() - make_interval(secs => 60 + (i * 1117 % 1140))) AS t(f)
        """, new { Prefix = prefix, Count = count });

    protected static async Task Eventually(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(_deadline);
        while (!await condition())
        {
            await Task.Delay(100, cts.Token);
        }
    }

    protected sealed class Row
    {
        public string Kind { get; init; } = "";
        public DateTime Bucket { get; init; }
        public long Completed { get; init; }
        public long Failed { get; init; }
        public double? RunP95Ms { get; init; }
        public double? WaitP50Ms { get; init; }
    }

    protected sealed class GaugeRow
    {
        public long? Queued { get; init; }
        public long? Processing { get; init; }
        public long? Stuck { get; init; }
        public long Retried { get; init; }
        public long? Enqueued { get; init; }
        public double? Oldest { get; init; }
    }
}

public sealed class HistorySeriesTests(TestDatabase db) : HistoryWriterTestBase(db), IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Minutes_EqualWhatSqlComputesFromTheSameRows()
    {
        await SeedFinishedAsync("hist.eq.", 3000);
        var writer = Writer("eq");

        await writer.TickAsync(CancellationToken.None);
        await writer.TickAsync(CancellationToken.None);

        var expected = await Db.QueryAsync<Row>(ExpectedSql, new { Prefix = "hist.eq.%" });
        var actual = await Db.QueryAsync<Row>(ActualSql, new { Prefix = "hist.eq.%" });
        Assert.True(expected.Count >= 15, $"only {expected.Count} minutes seeded");
        Assert.Equal(expected.Select(r => (r.Kind, r.Bucket, r.Completed, r.Failed)), actual.Select(r => (r.Kind, r.Bucket, r.Completed, r.Failed)));
        Assert.Equal(expected.Select(r => Math.Round(r.RunP95Ms!.Value, 3)), actual.Select(r => Math.Round(r.RunP95Ms!.Value, 3)));
        Assert.Equal(expected.Select(r => Math.Round(r.WaitP50Ms!.Value, 3)), actual.Select(r => Math.Round(r.WaitP50Ms!.Value, 3)));
        Assert.Equal(3000, await Db.ScalarAsync<long>(
            "SELECT sum(completed + failed) FROM job_history_hourly WHERE kind LIKE 'hist.eq.%'"));
    }
}

public sealed class HistoryGaugeTests(TestDatabase db) : HistoryWriterTestBase(db), IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Minutes_CarryRetriesEnqueuedAndTheSnapshotsGauges()
    {
        await Db.PsqlAsync("""
            INSERT INTO jobs (kind, state, attempts, run_at, updated_at) SELECT 'hist.gauge', 'queued', 0, now() - interval '90 seconds', now() FROM generate_series(1, 40);
            INSERT INTO jobs (kind, state, attempts, run_at, updated_at) SELECT 'hist.gauge', 'queued', 2, now() + interval '30 seconds', now() FROM generate_series(1, 6);
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at) SELECT 'hist.gauge', 'processing', 'gone:1', now() - interval '1 hour', now() - interval '1 hour' FROM generate_series(1, 1200);
            INSERT INTO jobs (kind, state, leased_by, leased_at, heartbeat_at) SELECT 'hist.gauge', 'processing', 'live:1', now(), now() FROM generate_series(1, 7);
            """);
        var options = Options();
        var feed = new ChangeFeed();
        var loop = new SnapshotLoop(new SnapshotQueries(Db.Db, options), new Migrator(Db.Db), feed, options, NullLogger<SnapshotLoop>.Instance);
        Assert.True(await loop.TickAsync(CancellationToken.None));
        var writer = Writer("gauges", feed);

        await writer.TickAsync(CancellationToken.None);

        var row = (await Db.QueryAsync<GaugeRow>("""
            SELECT queued AS Queued, processing AS Processing, stuck AS Stuck, retried AS Retried, enqueued AS Enqueued,
                   oldest_queued_seconds AS Oldest
            FROM job_history WHERE kind = 'hist.gauge' AND bucket = date_trunc('minute', now())
            """)).Single();
        Assert.Equal(46, row.Queued);
        Assert.Equal(1207, row.Processing);
        // Stuck leases over every processing row (more than any page of the lease list), by the one stuck rule.
        Assert.Equal(await Db.ScalarAsync<long>("SELECT count(*) FROM job_leases WHERE kind = 'hist.gauge' AND is_stuck"), row.Stuck);
        Assert.Equal(1200, row.Stuck);
        Assert.Equal(6, row.Retried);
        Assert.Equal(46 + 1207, row.Enqueued);
        Assert.InRange(row.Oldest!.Value, 85, 600);
    }
}

public sealed class HistoryTwoInstanceTests(TestDatabase db) : HistoryWriterTestBase(db), IClassFixture<TestDatabase>
{
    [Fact]
    public async Task TwoInstances_WriteOneSeries_AndTheSecondTakesOverWhenTheFirstStops()
    {
        await SeedFinishedAsync("hist.two.", 1200);
        var first = Writer("two-a");
        var second = Writer("two-b");
        await first.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);

        var expected = await Db.QueryAsync<Row>(ExpectedSql, new { Prefix = "hist.two.%" });
        await Eventually(async () => (await Db.QueryAsync<Row>(ActualSql, new { Prefix = "hist.two.%" })).Count == expected.Count);
        var actual = await Db.QueryAsync<Row>(ActualSql, new { Prefix = "hist.two.%" });
        Assert.Equal(expected.Select(r => (r.Kind, r.Bucket, r.Completed, r.Failed)), actual.Select(r => (r.Kind, r.Bucket, r.Completed, r.Failed)));
        Assert.True(first.IsLeader ^ second.IsLeader);

        // The leader dies: its lock session ends (as PostgreSQL ends it when the process or its host goes) and the
        // instance never comes back for the lock (stopped at once, without releasing anything).
        var (leader, follower) = first.IsLeader ? (first, second) : (second, first);
        var leaderName = leader == first ? "two-a" : "two-b";
        await Db.PsqlAsync(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = @App",
            new { App = $"{SingletonLocks.ApplicationNamePrefix}{HistoryWriter.Name}@{leaderName}" });
        var stopping = leader.StopAsync(CancellationToken.None);
        using (var withinAMinute = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            while (!follower.IsLeader)
            {
                await Task.Delay(100, withinAMinute.Token);
            }
        }

        await stopping;
        // The new writer counts what finishes after the takeover.
        await Db.PsqlAsync("""
            INSERT INTO jobs (kind, state, run_at, leased_at, leased_by, finished_at)
            SELECT 'hist.two.late', 'done', now(), now(), 'w:1', now() FROM generate_series(1, 5)
            """);
        await Eventually(async () => await Db.ScalarAsync<long?>("SELECT sum(completed) FROM job_history WHERE kind = 'hist.two.late'") == 5);
        Assert.Equal(1205, await Db.ScalarAsync<long>("SELECT sum(completed + failed) FROM job_history WHERE kind LIKE 'hist.two.%'"));
        await follower.StopAsync(CancellationToken.None);
        first.Dispose();
        second.Dispose();
    }
}
