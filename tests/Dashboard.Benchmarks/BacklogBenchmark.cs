using System.Diagnostics;
using System.Globalization;
using Dashboard.Core;
using Dashboard.Core.Changes;
using Dashboard.Core.Database;
using Dashboard.Core.Jobs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>
/// What the overview snapshot costs as the queue backs up, on a large finished history. The history is grown first
/// (as in <see cref="SnapshotBenchmark"/>), then a backlog of queued jobs over twelve kinds is grown to each size in
/// turn (vacuumed and analyzed, as autovacuum would). For each size: the snapshot's median and p95 (back to back),
/// and the console's database time per second while the snapshot runs at its real cadence, from
/// <c>pg_stat_statements</c> (every statement of the database, the console's only client during the window).
/// Goals: p95 at the largest backlog within 2× of p95 with none; database time ≤ 10 ms per second at every size.
/// </summary>
internal static class BacklogBenchmark
{
    private static readonly string[] _kinds =
    [
        "email.send", "webhook.deliver", "search.index", "thumbnail.render", "invoice.generate", "export.csv",
        "import.csv", "cache.warm", "sms.send", "push.send", "billing.sync", "crm.sync",
    ];

    private const string Help = """
        usage: dashboard-bench backlog <connection-string> [--history 10M] [--queued 0,100k,1M,5M]
                                       [--iterations 200] [--window 30]

        On a throwaway database (it inserts millions of rows and keeps them): grows the finished history to
        --history rows (skipped when the table already holds them), then the queued backlog to each size, and
        measures the snapshot. pg_stat_statements must be loaded (shared_preload_libraries) for the database
        time per second; without it that column says n/a.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        string? connectionString = null;
        long history = 10_000_000;
        IReadOnlyList<long> queued = [0, 100_000, 1_000_000, 5_000_000];
        var iterations = 200;
        var window = TimeSpan.FromSeconds(30);
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "-h" or "--help":
                        Console.WriteLine(Help);
                        return 0;
                    case "--history":
                        history = SnapshotBenchmark.ParseRows(Value());
                        break;
                    case "--queued":
                        queued = [.. Value().Split(',').Select(s => s.Trim() == "0" ? 0 : SnapshotBenchmark.ParseRows(s.Trim()))];
                        break;
                    case "--iterations":
                        iterations = int.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--window":
                        window = TimeSpan.FromSeconds(int.Parse(Value(), CultureInfo.InvariantCulture));
                        break;
                    default:
                        connectionString = args[i];
                        break;
                }
            }

            connectionString ??= Environment.GetEnvironmentVariable(BenchmarkArgs.ConnectionVariable)
                ?? throw new FormatException("no connection string");
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"backlog: {ex.Message}\n\n{Help}");
            return 2;
        }

        await using var db = Db.Create(connectionString);
        await new Migrator(db).MigrateAsync();
        await using var conn = await db.OpenAsync(CancellationToken.None);
        var rows = await ScalarAsync<long>(conn, "SELECT count(*) FROM jobs WHERE state IN ('done', 'failed')");
        if (rows == 0)
        {
            await SnapshotBenchmark.SeedLiveSetAsync(conn);
        }

        if (rows < history)
        {
            await SnapshotBenchmark.GrowAsync(conn, rows, history);
        }

        var statements = await TryAsync(conn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();");
        var options = Options.Create(new DashboardOptions { ConnectionString = connectionString, StatementTimeout = TimeSpan.FromMinutes(5) });
        Console.WriteLine(Invariant($"PostgreSQL {await ScalarAsync<string>(conn, "SELECT current_setting('server_version')")}, history {rows:N0} finished rows, {Environment.ProcessorCount} cores, load avg {SnapshotBenchmark.LoadAverage()}"));
        Console.WriteLine(Invariant($"LiveCountCap {options.Value.LiveCountCap}, SlowCountInterval {options.Value.SlowCountInterval}, SnapshotInterval {options.Value.SnapshotInterval}"));
        var results = new List<string>();
        double? baseP95 = null;
        foreach (var size in queued)
        {
            await GrowBacklogAsync(conn, size);
            var clock = Stopwatch.StartNew();
            await ExecuteAsync(conn, "VACUUM ANALYZE jobs");
            Console.WriteLine(Invariant($"  VACUUM ANALYZE: {clock.Elapsed.TotalSeconds:0.0} s"));

            // A fresh SnapshotQueries per size: its first read does the slow part (finished counts, estimates) too,
            // as the console's does after a start.
            var queries = new SnapshotQueries(db, options);
            var samples = new double[iterations];
            DashboardSnapshot last = await queries.GetAsync(CancellationToken.None);
            for (var i = 0; i < samples.Length; i++)
            {
                clock.Restart();
                last = await queries.GetAsync(CancellationToken.None);
                samples[i] = clock.Elapsed.TotalMilliseconds;
            }

            Array.Sort(samples);
            var (p50, p95) = (samples[(int)(0.5 * (samples.Length - 1))], samples[(int)Math.Ceiling(0.95 * (samples.Length - 1))]);
            baseP95 ??= p95;
            var (dbTime, dbCpu) = await DatabaseTimePerSecondAsync(conn, statements, queries, options.Value.SnapshotInterval, window);
            var queuedCount = last.CountOf(JobStates.Queued);
            var line = Invariant(
                $"| {SnapshotBenchmark.Rows(size)} | {(queuedCount.IsEstimate ? "≈ " : "")}{queuedCount.Count:N0} | {p50:0.0} ms | {p95:0.0} ms | {p95 / baseP95.Value:0.00}× | {PerSecond(dbTime)} | {PerSecond(dbCpu)} | {SnapshotBenchmark.LoadAverage()} |");
            Console.WriteLine(line);
            results.Add(line);
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"SnapshotQueries.GetAsync, {iterations} timed calls back to back; database time over {window.TotalSeconds:0} s at the snapshot cadence:"));
        Console.WriteLine();
        Console.WriteLine("| extra queued | queued shown | median | p95 | p95 vs none | console DB time | console DB CPU | load avg |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        results.ForEach(Console.WriteLine);
        return 0;
    }

    // Queued jobs over the twelve kinds, due now, added on top of what is there.
    private static async Task GrowBacklogAsync(NpgsqlConnection conn, long size)
    {
        var have = await ScalarAsync<long>(conn, "SELECT count(*) FROM jobs WHERE state = 'queued' AND payload ? 'backlog'");
        if (have >= size)
        {
            return;
        }

        Console.WriteLine(Invariant($"growing the backlog to {size:N0} queued ({size - have:N0} to add)"));
        var clock = Stopwatch.StartNew();
        for (var added = have; added < size; added += 1_000_000)
        {
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO jobs (kind, state, payload, run_at)
                SELECT (@Kinds)[1 + i % 12], 'queued', jsonb_build_object('backlog', i), now() - (i % 3600) * interval '1 second'
                FROM generate_series(@From, @To) AS i
                """, conn) { CommandTimeout = 0 };
            cmd.Parameters.AddWithValue("Kinds", _kinds);
            cmd.Parameters.AddWithValue("From", added + 1);
            cmd.Parameters.AddWithValue("To", Math.Min(size, added + 1_000_000));
            await cmd.ExecuteNonQueryAsync();
        }

        Console.WriteLine(Invariant($"  inserted in {clock.Elapsed.TotalSeconds:0.0} s"));
    }

    // Runs the snapshot at its cadence for the window. Database time is the execution time of every statement of the
    // database (pg_stat_statements; on a loaded machine it includes waiting for a CPU); database CPU is what the
    // database's backends really spent (see PostgresCpu). Both per second of wall time.
    private static async Task<(double? Time, double? Cpu)> DatabaseTimePerSecondAsync(
        NpgsqlConnection conn, bool statements, SnapshotQueries queries, TimeSpan interval, TimeSpan window)
    {
        if (statements)
        {
            await ExecuteAsync(conn, "SELECT pg_stat_statements_reset()");
        }

        var cpu = await PostgresCpu.StartAsync(conn);
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(interval);
        do
        {
            await queries.GetAsync(CancellationToken.None);
        }
        while (clock.Elapsed < window && await timer.WaitForNextTickAsync());

        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuMs = cpu is null ? (double?)null : await cpu.ElapsedAsync();
        if (statements)
        {
            await PrintStatementsAsync(conn, elapsed);
        }

        var total = statements
            ? await ScalarAsync<double>(conn, """
                SELECT coalesce(sum(total_exec_time), 0)::float8 FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND query NOT LIKE '%pg_stat_statements%'
                """)
            : (double?)null;
        return (total / elapsed, cpuMs / elapsed);
    }

    // Where the database time went: the costliest statements of the window, each with its share per second.
    private static async Task PrintStatementsAsync(NpgsqlConnection conn, double seconds)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT calls, total_exec_time, regexp_replace(left(query, 70), '\s+', ' ', 'g')
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%'
            ORDER BY total_exec_time DESC
            LIMIT 8
            """, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (calls, total) = (reader.GetInt64(0), reader.GetDouble(1));
            Console.WriteLine(Invariant($"    {total / seconds,6:0.00} ms/s  {calls,5} calls  {total / Math.Max(1, calls),7:0.000} ms each  {reader.GetString(2)}"));
        }
    }

    private static string PerSecond(double? value) => value is { } v ? Invariant($"{v:0.0} ms/s") : "n/a";

    private static async Task<bool> TryAsync(NpgsqlConnection conn, string sql)
    {
        try
        {
            await ExecuteAsync(conn, sql);
            return true;
        }
        catch (PostgresException ex)
        {
            Console.WriteLine($"pg_stat_statements unavailable ({ex.MessageText}): database time per second is not measured");
            return false;
        }
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }
}
