using System.Diagnostics;
using System.Globalization;
using Dashboard.Core.Claims;
using Dashboard.Worker;

namespace Dashboard.Benchmarks;

/// <summary>
/// Claim→complete throughput on empty handlers, with 1, 4 and 16 workers (each its own connections), in two modes:
/// <c>contract</c> runs the SQL contract in a tight loop per worker (claim one, complete it), <c>worker</c> runs the
/// reference <see cref="JobWorker"/> (concurrency 1 each), which adds its scheduling and polling.
/// </summary>
public sealed class ThroughputBenchmark : IBenchmark
{
    private const string Kind = "bench.noop";
    private static readonly string[] _kinds = [Kind];

    public string Name => "throughput";

    public string Summary => "claim→complete jobs/s on empty handlers (--jobs 10000 --workers 1,4,16 --mode contract|worker|both --without explorer-indexes|NAME,NAME)";

    // The indexes the jobs explorer and the history writer add to jobs (migrations 0007, 0008): every claim and
    // complete changes indexed columns, so each of them gets a new entry per write. Dropped for a comparison run.
    private static readonly string[] _explorerIndexes =
    [
        "jobs_state_id_idx", "jobs_kind_state_id_idx", "jobs_leased_by_id_idx", "jobs_created_at_idx",
        "jobs_last_error_trgm", "jobs_payload_gin", "jobs_finished_at_idx",
    ];

    public async Task<int> RunAsync(ScratchDatabase database, BenchmarkArgs args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var jobs = args.Number("jobs", 10_000);
        var workerCounts = args.Numbers("workers", [1, 4, 16]);
        var mode = args.Text("mode", "both");
        string[] modes = mode == "both" ? ["contract", "worker"] : [mode];

        // --without explorer-indexes drops them all; --without NAME,NAME drops those of them named, to weigh each one.
        var without = args.Text("without", "");
        string[] dropped = without == "explorer-indexes" ? _explorerIndexes
            : [.. without.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        if (dropped.Except(_explorerIndexes).FirstOrDefault() is { } unknown)
        {
            await output.WriteLineAsync($"--without: {unknown} is not one of {string.Join(", ", _explorerIndexes)}");
            return 2;
        }

        if (dropped.Length > 0)
        {
            await database.ExecuteAsync($"DROP INDEX {string.Join(", ", dropped)}");
            await output.WriteLineAsync($"without {string.Join(", ", dropped)}");
        }

        var indexes = await database.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE tablename = 'jobs'");
        var version = await database.ScalarAsync<string>("SHOW server_version");
        var fsync = await database.ScalarAsync<string>("SHOW fsync");
        var syncCommit = await database.ScalarAsync<string>("SHOW synchronous_commit");
        await output.WriteLineAsync(Invariant($"claim→complete throughput, empty handlers, {jobs:N0} jobs per run, {indexes} indexes on jobs"));
        await output.WriteLineAsync(Invariant($"PostgreSQL {version} (fsync={fsync}, synchronous_commit={syncCommit}), {Environment.ProcessorCount} cores, .NET {Environment.Version}"));
        await output.WriteLineAsync();

        // Warm-up: JIT, connection pools, the planner's statistics.
        foreach (var m in modes)
        {
            await RunOnceAsync(database, m, 2, 500);
        }

        await output.WriteLineAsync("| mode     | workers | jobs/s | elapsed |");
        await output.WriteLineAsync("| -------- | ------: | -----: | ------: |");
        foreach (var m in modes)
        {
            foreach (var workers in workerCounts)
            {
                var elapsed = await RunOnceAsync(database, m, workers, jobs);
                await output.WriteLineAsync(Invariant($"| {m,-8} | {workers,7} | {jobs / elapsed.TotalSeconds,6:N0} | {elapsed.TotalSeconds,5:N1} s |"));
            }
        }

        return 0;
    }

    private static async Task<TimeSpan> RunOnceAsync(ScratchDatabase database, string mode, int workers, int jobs)
    {
        await database.ExecuteAsync("TRUNCATE jobs; DELETE FROM workers;");
        await database.ExecuteAsync("INSERT INTO jobs (kind) SELECT @Kind FROM generate_series(1, @Jobs)", new { Kind, Jobs = jobs });
        await database.ExecuteAsync("VACUUM ANALYZE jobs");

        var elapsed = mode switch
        {
            "contract" => await RunContractAsync(database, workers),
            "worker" => await RunWorkersAsync(database, workers, jobs),
            _ => throw new ArgumentException($"Unknown mode '{mode}' (contract, worker or both)."),
        };

        var done = await database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE state = 'done' AND attempts = 1");
        if (done != jobs)
        {
            throw new InvalidOperationException($"{done} of {jobs} jobs were completed exactly once.");
        }

        return elapsed;
    }

    private static async Task<TimeSpan> RunContractAsync(ScratchDatabase database, int workers)
    {
        var dbs = Enumerable.Range(0, workers).Select(_ => WorkerDb.Create(database.ConnectionString)).ToList();
        try
        {
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(dbs.Select((db, i) => Task.Run(async () =>
            {
                var claims = new JobClaims(db);
                var id = $"bench:{i}";
                while (true)
                {
                    var claimed = await claims.ClaimAsync(id, _kinds, 1, CancellationToken.None);
                    if (claimed.Count == 0)
                    {
                        return;
                    }

                    await claims.CompleteAsync(claimed[0].Lease, CancellationToken.None);
                }
            })));
            return clock.Elapsed;
        }
        finally
        {
            foreach (var db in dbs)
            {
                await db.DisposeAsync();
            }
        }
    }

    private static async Task<TimeSpan> RunWorkersAsync(ScratchDatabase database, int workers, int jobs)
    {
        var clock = Stopwatch.StartNew();
        await using var fleet = await BenchFleet.StartAsync(database.ConnectionString, workers, Kind);
        while (fleet.CompletedCount < jobs)
        {
            await Task.Delay(1);
        }

        return clock.Elapsed;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
