using System.Diagnostics;
using System.Globalization;
using Dashboard.Core;
using Dashboard.Core.Changes;
using Dashboard.Core.Claims;
using Dashboard.Core.Database;
using Dashboard.Core.History;
using Dashboard.Core.Singletons;
using Dashboard.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>
/// What the history writer costs. First the finished history is grown to <c>--rows</c> (as the snapshot benchmark
/// does). Then (1) a feeder inserts finished jobs at <c>--rate</c> per second (done, 1 in 50 failed, with run and
/// wait times, over twenty kinds; inserts only, standing in for workers finishing jobs) while the writer's pass
/// (<see cref="HistoryWriter.TickAsync"/>, every <see cref="HistoryOptions.LiveInterval"/> as the leader runs it) is
/// timed for <c>--minutes</c> minutes: its wall time per minute is an upper bound of its database time (client and
/// server on one machine). (2) Claim→complete throughput of <c>--workers</c> contract loops over
/// <c>--seconds</c>, alternately without and with the writer running beside them.
/// </summary>
public sealed class HistoryBenchmark : IBenchmark
{
    private static readonly string[] _kinds = [.. Enumerable.Range(0, 20).Select(i => $"hist.kind{i:00}")];
    private const string Kind = "bench.noop";
    private static readonly string[] _claimKinds = [Kind];

    public string Name => "history";

    public string Summary => "history writer's time per minute at --rate jobs/s on --rows rows; claim→complete with it on vs off (--rows 10M --rate 2000 --minutes 3 --workers 4 --seconds 60 --rounds 2; --database NAME --load-only 1 loads a kept database)";

    public async Task<int> RunAsync(ScratchDatabase database, BenchmarkArgs args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var rows = SnapshotBenchmark.ParseRows(args.Text("rows", "10M"));
        var rate = args.Number("rate", 2000);
        var minutes = args.Number("minutes", 3);
        var workers = args.Number("workers", 4);
        var seconds = args.Number("seconds", 60);
        var rounds = args.Number("rounds", 2);

        await using var db = Db.Create(database.ConnectionString);
        var existing = await database.ScalarAsync<long>("SELECT count(*) FROM jobs");
        if (existing == 0)
        {
            await using var conn = await db.OpenAsync(CancellationToken.None);
            await SnapshotBenchmark.SeedLiveSetAsync(conn);
            await SnapshotBenchmark.GrowAsync(conn, 0, rows);
        }
        else
        {
            // A kept database (--database) loaded by an earlier run with --load-only 1.
            await output.WriteLineAsync(Invariant($"reusing the {existing:N0} rows of database {database.Name}"));
        }

        var clock = Stopwatch.StartNew();
        await database.ExecuteAsync("VACUUM ANALYZE jobs");
        await output.WriteLineAsync(Invariant($"VACUUM ANALYZE: {clock.Elapsed.TotalSeconds:0.0} s"));
        var version = await database.ScalarAsync<string>("SHOW server_version");
        var size = await database.ScalarAsync<string>("SELECT pg_size_pretty(pg_table_size('jobs'))");
        var count = await database.ScalarAsync<long>("SELECT count(*) FROM jobs");
        await output.WriteLineAsync(Invariant($"PostgreSQL {version}, {Environment.ProcessorCount} cores, jobs: {count:N0} rows ({size}), load avg {SnapshotBenchmark.LoadAverage()}"));
        if (args.Number("load-only", 0) == 1)
        {
            return 0;
        }

        var options = Options.Create(new DashboardOptions { ConnectionString = database.ConnectionString });
        using var writer = new HistoryWriter(
            new HistoryQueries(db), new ChangeFeed(),
            new SingletonLocks(options, new InstanceIdentity("bench"), NullLogger<SingletonLocks>.Instance),
            options, NullLogger<HistoryWriter>.Instance);

        // The first pass fills in the last hour (a start or a takeover); steady state is what follows.
        clock.Restart();
        await writer.TickAsync(CancellationToken.None);
        await output.WriteLineAsync(Invariant($"first pass (fills in the last hour): {clock.Elapsed.TotalMilliseconds:N0} ms"));

        await MeasureWriterAsync(database, writer, options.Value.History.LiveInterval, rate, minutes, output);
        await MeasureThroughputAsync(database, writer, options.Value.History.LiveInterval, workers, seconds, rounds, output);
        return 0;
    }

    private static async Task MeasureWriterAsync(
        ScratchDatabase database, HistoryWriter writer, TimeSpan interval, int rate, int minutes, TextWriter output)
    {
        using var stop = new CancellationTokenSource();
        var feeder = FeedAsync(database.ConnectionString, rate, stop.Token);
        var passes = new List<double>();
        var window = Stopwatch.StartNew();
        using (var timer = new PeriodicTimer(interval))
        {
            while (window.Elapsed < TimeSpan.FromMinutes(minutes) && await timer.WaitForNextTickAsync())
            {
                var pass = Stopwatch.StartNew();
                await writer.TickAsync(CancellationToken.None);
                passes.Add(pass.Elapsed.TotalMilliseconds);
            }
        }

        var elapsed = window.Elapsed;
        await stop.CancelAsync();
        var fed = await feeder;
        passes.Sort();
        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant($"writer at {fed / elapsed.TotalSeconds:N0} finished jobs/s fed (goal {rate:N0}/s), {passes.Count} passes over {elapsed.TotalSeconds:0} s, load avg {SnapshotBenchmark.LoadAverage()}"));
        await output.WriteLineAsync("| writer time per minute | pass median | pass max | passes per minute |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: |");
        await output.WriteLineAsync(Invariant(
            $"| {passes.Sum() / elapsed.TotalMinutes:N0} ms | {passes[passes.Count / 2]:N0} ms | {passes[^1]:N0} ms | {passes.Count / elapsed.TotalMinutes:0.0} |"));
    }

    // Finished jobs at a steady rate, a batch every 100 ms, catching up when behind. Returns how many it inserted.
    private static async Task<long> FeedAsync(string connectionString, int rate, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(CancellationToken.None);
        var clock = Stopwatch.StartNew();
        long inserted = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var due = (long)(clock.Elapsed.TotalSeconds * rate) - inserted;
                if (due <= 0)
                {
                    continue;
                }

                await using var cmd = new NpgsqlCommand("""
                    INSERT INTO jobs (kind, state, attempts, run_at, created_at, updated_at, leased_by, leased_at, finished_at, last_error)
                    SELECT (@Kinds)[1 + (@From + i) % 20], CASE WHEN (@From + i) % 50 = 0 THEN 'failed' ELSE 'done' END, 1,
                           now() - make_interval(secs => 1 + (i % 7)), now() - make_interval(secs => 1 + (i % 7)), now(),
                           'feeder:1', now() - make_interval(secs => 0.05 + (i % 13) * 0.1), now(),
                           CASE WHEN (@From + i) % 50 = 0 THEN 'failed in the benchmark' END
                    FROM generate_series(1, @Count) AS i
                    """, conn);
                cmd.Parameters.AddWithValue("Kinds", _kinds);
                cmd.Parameters.AddWithValue("From", inserted);
                cmd.Parameters.AddWithValue("Count", (int)due);
                await cmd.ExecuteNonQueryAsync(CancellationToken.None);
                inserted += due;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        return inserted;
    }

    private static async Task MeasureThroughputAsync(
        ScratchDatabase database, HistoryWriter writer, TimeSpan interval, int workers, int seconds, int rounds, TextWriter output)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant($"claim→complete, {workers} contract loops (claim one, complete it), {seconds} s per run, writer off and on in turn"));
        await output.WriteLineAsync("| run | writer | jobs/s | load avg |");
        await output.WriteLineAsync("| ---: | --- | ---: | --- |");
        var off = new List<double>();
        var on = new List<double>();
        var run = 0;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var withWriter in new[] { false, true })
            {
                var perSecond = await ThroughputAsync(database, withWriter ? writer : null, interval, workers, seconds);
                (withWriter ? on : off).Add(perSecond);
                await output.WriteLineAsync(Invariant($"| {++run} | {(withWriter ? "on" : "off")} | {perSecond:N0} | {SnapshotBenchmark.LoadAverage()} |"));
            }
        }

        var (meanOff, meanOn) = (off.Average(), on.Average());
        await output.WriteLineAsync(Invariant($"mean off {meanOff:N0} jobs/s, on {meanOn:N0} jobs/s: {(meanOn - meanOff) / meanOff * 100:+0.0;-0.0} % with the writer"));
    }

    private static async Task<double> ThroughputAsync(ScratchDatabase database, HistoryWriter? writer, TimeSpan interval, int workers, int seconds)
    {
        // Enough queued jobs that the loops never run dry within the run.
        await database.ExecuteAsync("DELETE FROM jobs WHERE kind = @Kind AND state = 'queued'", new { Kind });
        await database.ExecuteAsync("INSERT INTO jobs (kind) SELECT @Kind FROM generate_series(1, @Jobs)", new { Kind, Jobs = 6000 * seconds });
        await database.ExecuteAsync("VACUUM ANALYZE jobs");
        var dbs = Enumerable.Range(0, workers).Select(_ => WorkerDb.Create(database.ConnectionString)).ToList();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long completed = 0;
        try
        {
            var writing = writer is null ? Task.CompletedTask : WriteUntilAsync(writer, interval, stop.Token);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(dbs.Select((db, i) => Task.Run(async () =>
            {
                var claims = new JobClaims(db);
                var id = $"bench:{i}";
                while (!stop.IsCancellationRequested)
                {
                    var claimed = await claims.ClaimAsync(id, _claimKinds, 1, CancellationToken.None);
                    if (claimed.Count == 0)
                    {
                        throw new InvalidOperationException("the queue ran dry: raise the number of queued jobs");
                    }

                    await claims.CompleteAsync(claimed[0].Lease, CancellationToken.None);
                    Interlocked.Increment(ref completed);
                }
            })));
            var elapsed = clock.Elapsed.TotalSeconds;
            await writing;
            return completed / elapsed;
        }
        finally
        {
            foreach (var db in dbs)
            {
                await db.DisposeAsync();
            }
        }
    }

    private static async Task WriteUntilAsync(HistoryWriter writer, TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                await writer.TickAsync(CancellationToken.None);
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
