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
/// What the overview snapshot costs as the finished history grows. The jobs table is grown to each size in turn
/// (mostly done, some failed, ~20 kinds of skewed popularity, and the same live set throughout: a few thousand
/// queued, a few hundred processing, some parked as paused), vacuumed and analyzed, and then
/// <see cref="SnapshotQueries.GetAsync"/> is timed. The acceptance figure is the ratio of the largest size's median to
/// the smallest's: the snapshot must follow the live set, not the history (goal: 10M within 2× of 100k).
/// </summary>
internal static class SnapshotBenchmark
{
    private const string ConnectionVariable = "ConnectionStrings__Jobs";
    private const int QueuedJobs = 3000;
    private const int ProcessingJobs = 300;
    private const double FailedShare = 0.01;
    private const int InsertBatch = 1_000_000;
    private const double Goal = 2.0;

    private static readonly string[] _kinds =
    [
        "email.send", "webhook.deliver", "search.index", "thumbnail.render", "invoice.generate",
        "report.generate", "export.csv", "import.csv", "cache.warm", "sms.send",
        "push.send", "audit.archive", "billing.sync", "crm.sync", "search.reindex",
        "video.transcode", "pdf.render", "backup.verify", "user.cleanup", "ledger.reconcile",
    ];

    private sealed record Settings(string ConnectionString, IReadOnlyList<long> Sizes, int Iterations, int Warmup, bool Reuse);

    private sealed record Result(long Rows, long HeapBytes, long IndexBytes, double MedianMs, double P95Ms, double MinMs, double MaxMs, string Load);

    private const string Help = """
        usage: dashboard-benchmarks snapshot [connection-string] [options]

        Grows the jobs table of a throwaway database to each size and times the overview snapshot.
        The connection string may also come from ConnectionStrings__Jobs. The database is migrated
        first and must hold no jobs (unless --reuse): this inserts millions of rows.

          --sizes 100k,1M,10M   table sizes in rows, ascending (k and M suffixes allowed)
          --iterations 200      timed snapshots per size
          --warmup 20           untimed snapshots before them
          --reuse               grow a table left by an earlier run instead of refusing it
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        Settings settings;
        try
        {
            var parsed = Parse(args);
            if (parsed is null)
            {
                Console.WriteLine(Help);
                return 0;
            }

            settings = parsed;
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"snapshot: {ex.Message}\n\n{Help}");
            return 2;
        }

        await using var db = Db.Create(settings.ConnectionString);
        await new Migrator(db).MigrateAsync();
        await using var conn = await db.OpenAsync(CancellationToken.None);
        var existing = await ScalarAsync<long>(conn, "SELECT count(*) FROM jobs");
        if (existing > 0 && !settings.Reuse)
        {
            Console.Error.WriteLine($"snapshot: the jobs table already holds {existing:N0} rows; use a throwaway database or pass --reuse.");
            return 1;
        }

        await PrintSetupAsync(conn, settings);
        if (existing == 0)
        {
            await SeedLiveSetAsync(conn);
        }

        var options = Options.Create(new DashboardOptions
        {
            ConnectionString = settings.ConnectionString,
            // Measure slow snapshots instead of failing them as the console would.
            StatementTimeout = TimeSpan.FromMinutes(5),
        });
        var queries = new SnapshotQueries(db, options);
        var results = new List<Result>();
        foreach (var size in settings.Sizes)
        {
            var rows = await ScalarAsync<long>(conn, "SELECT count(*) FROM jobs");
            if (rows > size)
            {
                Console.WriteLine($"skipping {Rows(size)}: the table already holds {rows:N0} rows");
                continue;
            }

            await GrowAsync(conn, rows, size);
            var clock = Stopwatch.StartNew();
            await ExecuteAsync(conn, "VACUUM ANALYZE jobs");
            Console.WriteLine($"  VACUUM ANALYZE: {clock.Elapsed.TotalSeconds:0.0} s");
            results.Add(await MeasureAsync(conn, queries, size, settings));
        }

        PrintResults(results, settings);
        return 0;
    }

    internal static async Task SeedLiveSetAsync(NpgsqlConnection conn)
    {
        // One paused kind parks its queued jobs as 'paused' (the insert trigger); stuck leases are 1 in 25.
        const string SeedSql = """
            INSERT INTO job_kinds (kind, lease_timeout, paused, paused_by, paused_at, pause_reason) VALUES
                ('report.generate', interval '30 minutes', false, NULL, NULL, NULL),
                ('search.reindex', interval '5 minutes', true, 'benchmark', now(), 'index rebuild');
            INSERT INTO jobs (kind, state, payload, run_at, created_at, updated_at)
            SELECT (@Kinds)[1 + i % @KindCount], 'queued', jsonb_build_object('tenant', i % 500, 'ref', i),
                   now() - (i % 900) * interval '1 second', now() - (i % 900) * interval '1 second', now()
            FROM generate_series(1, @Queued) AS i;
            INSERT INTO jobs (kind, state, payload, attempts, run_at, leased_by, leased_at, lease_token, heartbeat_at,
                              created_at, updated_at)
            SELECT (@Kinds)[1 + i % @KindCount], 'processing', jsonb_build_object('tenant', i % 500, 'ref', i), 1,
                   now() - interval '2 minutes', format('worker-%s:%s', i % 8, 4000 + i % 8),
                   now() - (i % 120) * interval '1 second', gen_random_uuid(),
                   CASE WHEN i % 25 = 0 THEN now() - interval '20 minutes' ELSE now() - interval '3 seconds' END,
                   now() - interval '2 minutes', now()
            FROM generate_series(1, @Processing) AS i;
            INSERT INTO workers (id, host, pid, concurrency, current_jobs, heartbeat_at)
            SELECT format('worker-%s:%s', w, 4000 + w), 'worker-' || w, 4000 + w, 40, 38, now()
            FROM generate_series(0, 7) AS w;
            """;
        await using var tx = await conn.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand(SeedSql, conn, tx);
        cmd.Parameters.AddWithValue("Kinds", _kinds);
        cmd.Parameters.AddWithValue("KindCount", _kinds.Length);
        cmd.Parameters.AddWithValue("Queued", QueuedJobs);
        cmd.Parameters.AddWithValue("Processing", ProcessingJobs);
        await cmd.ExecuteNonQueryAsync();
        await tx.CommitAsync();
        Console.WriteLine($"live set: {QueuedJobs:N0} queued (those of search.reindex parked as paused), {ProcessingJobs:N0} processing, 8 workers");
    }

    // Finished history in batches (each its own transaction): kinds skewed so a few dominate, 1 % failed.
    private const string GrowSql = """
        INSERT INTO jobs (kind, state, payload, attempts, run_at, created_at, updated_at, finished_at, last_error)
        SELECT kind, state, jsonb_build_object('tenant', i % 500, 'ref', i),
               CASE WHEN state = 'failed' THEN 5 ELSE 1 END,
               created, created, created + interval '2 seconds', created + interval '2 seconds',
               CASE WHEN state = 'failed' THEN 'upstream timed out after 30 s' END
        FROM (
            SELECT i,
                   (@Kinds)[1 + floor(power(random(), 2) * @KindCount)::int] AS kind,
                   CASE WHEN random() < @FailedShare THEN 'failed' ELSE 'done' END AS state,
                   now() - random() * interval '30 days' AS created
            FROM generate_series(1, @Count) AS i
        ) AS history;
        """;

    internal static async Task GrowAsync(NpgsqlConnection conn, long from, long to)
    {
        Console.WriteLine($"growing jobs to {Rows(to)} ({to - from:N0} rows to add)");
        var clock = Stopwatch.StartNew();
        for (var rows = from; rows < to; rows += InsertBatch)
        {
            await using var cmd = new NpgsqlCommand(GrowSql, conn) { CommandTimeout = 0 };
            cmd.Parameters.AddWithValue("Kinds", _kinds);
            cmd.Parameters.AddWithValue("KindCount", _kinds.Length);
            cmd.Parameters.AddWithValue("FailedShare", FailedShare);
            cmd.Parameters.AddWithValue("Count", (int)Math.Min(InsertBatch, to - rows));
            await cmd.ExecuteNonQueryAsync();
        }

        Console.WriteLine($"  inserted in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static async Task<Result> MeasureAsync(NpgsqlConnection conn, SnapshotQueries queries, long size, Settings settings)
    {
        for (var i = 0; i < settings.Warmup; i++)
        {
            await queries.GetAsync(CancellationToken.None);
        }

        var load = LoadAverage();
        var samples = new double[settings.Iterations];
        DashboardSnapshot? last = null;
        for (var i = 0; i < samples.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            last = await queries.GetAsync(CancellationToken.None);
            samples[i] = clock.Elapsed.TotalMilliseconds;
        }

        Array.Sort(samples);
        var heap = await ScalarAsync<long>(conn, "SELECT pg_relation_size('jobs')");
        var indexes = await ScalarAsync<long>(conn, "SELECT pg_indexes_size('jobs')");
        var result = new Result(size, heap, indexes, Percentile(samples, 0.50), Percentile(samples, 0.95), samples[0], samples[^1], load);
        var done = last!.CountOf(JobStates.Done);
        Console.WriteLine(
            $"  {Rows(size)}: median {result.MedianMs:0.00} ms, p95 {result.P95Ms:0.00} ms (min {result.MinMs:0.00}, max {result.MaxMs:0.00}); " +
            $"snapshot shows {last.Kinds.Count} kinds, done {(done.IsEstimate ? "≈ " : "")}{done.Count:N0}, " +
            $"queued {last.CountOf(JobStates.Queued).Count:N0}, processing {last.CountOf(JobStates.Processing).Count:N0}, stuck {last.StuckCount}");
        return result;
    }

    private static void PrintResults(List<Result> results, Settings settings)
    {
        Console.WriteLine();
        Console.WriteLine($"SnapshotQueries.GetAsync, {settings.Iterations} timed calls after {settings.Warmup} warm-up, one connection at a time:");
        Console.WriteLine();
        Console.WriteLine("| rows in jobs | heap | indexes | median | p95 | min | max | load avg (1/5/15 min) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results)
        {
            Console.WriteLine(
                $"| {Rows(r.Rows)} | {Bytes(r.HeapBytes)} | {Bytes(r.IndexBytes)} | {r.MedianMs:0.00} ms | {r.P95Ms:0.00} ms | {r.MinMs:0.00} ms | {r.MaxMs:0.00} ms | {r.Load} |");
        }

        if (results.Count >= 2)
        {
            var (small, large) = (results[0], results[^1]);
            var ratio = large.MedianMs / small.MedianMs;
            Console.WriteLine();
            Console.WriteLine(
                $"ratio {Rows(large.Rows)}/{Rows(small.Rows)}: median {ratio:0.00}×, p95 {large.P95Ms / small.P95Ms:0.00}× " +
                $"(goal ≤ {Goal:0.0}× on the median: {(ratio <= Goal ? "met" : "NOT met")})");
        }
    }

    private static async Task PrintSetupAsync(NpgsqlConnection conn, Settings settings)
    {
        var version = await ScalarAsync<string>(conn, "SELECT current_setting('server_version')");
        var buffers = await ScalarAsync<string>(conn, "SELECT current_setting('shared_buffers')");
        Console.WriteLine(
            $"PostgreSQL {version} (shared_buffers {buffers}); client {Environment.ProcessorCount} cores, .NET {Environment.Version}; " +
            $"sizes {string.Join(", ", settings.Sizes.Select(Rows))}; load avg {LoadAverage()}");
    }

    private static Settings? Parse(string[] args)
    {
        string? connectionString = null;
        IReadOnlyList<long> sizes = [100_000, 1_000_000, 10_000_000];
        var iterations = 200;
        var warmup = 20;
        var reuse = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "-h" or "--help":
                    return null;
                case "--sizes":
                    sizes = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseRows)];
                    break;
                case "--iterations":
                    iterations = PositiveInt(Value());
                    break;
                case "--warmup":
                    warmup = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--reuse":
                    reuse = true;
                    break;
                case var arg when arg.StartsWith("--", StringComparison.Ordinal):
                    throw new FormatException($"unknown option {arg}");
                default:
                    connectionString = args[i];
                    break;
            }
        }

        connectionString ??= Environment.GetEnvironmentVariable(ConnectionVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new FormatException($"no connection string: pass one or set {ConnectionVariable}");
        }

        if (sizes.Count == 0 || !sizes.SequenceEqual(sizes.Order()))
        {
            throw new FormatException("--sizes must list ascending sizes (the table only grows)");
        }

        return new Settings(connectionString, sizes, iterations, warmup, reuse);
    }

    internal static long ParseRows(string text)
    {
        var (digits, factor) = text[^1] switch
        {
            'k' or 'K' => (text[..^1], 1_000L),
            'M' or 'm' => (text[..^1], 1_000_000L),
            _ => (text, 1L),
        };
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n * factor
            : throw new FormatException($"not a size: {text}");
    }

    private static int PositiveInt(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"not a positive number: {text}");

    // Nearest rank on sorted samples.
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    internal static string Rows(long n) => n switch
    {
        >= 1_000_000 when n % 1_000_000 == 0 => $"{n / 1_000_000}M",
        >= 1_000 when n % 1_000 == 0 => $"{n / 1_000}k",
        _ => n.ToString("N0", CultureInfo.InvariantCulture),
    };

    private static string Bytes(long bytes) => bytes >= 1L << 30
        ? $"{bytes / (double)(1L << 30):0.00} GiB"
        : $"{bytes / (double)(1L << 20):0} MiB";

    internal static string LoadAverage()
    {
        const string LoadFile = "/proc/loadavg";
        return File.Exists(LoadFile) ? string.Join(' ', File.ReadAllText(LoadFile).Split(' ').Take(3)) : "n/a";
    }

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
