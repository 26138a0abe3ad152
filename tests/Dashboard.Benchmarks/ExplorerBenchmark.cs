using System.Diagnostics;
using System.Globalization;
using Dashboard.Core;
using Dashboard.Core.Actions;
using Dashboard.Core.Bulk;
using Dashboard.Core.Database;
using Dashboard.Core.Jobs;
using Dashboard.Core.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Benchmarks;

/// <summary>
/// The jobs explorer at size: the first page (and the bounded count) of each filter on a table of <c>--rows</c> jobs,
/// then workers' claim→complete throughput on their own kind without and during a bulk retry of <c>--retry</c>
/// failed jobs of another kind.
/// </summary>
public sealed class ExplorerBenchmark : IBenchmark
{
    private const string WorkKind = "bench.noop";

    private static readonly string[] _kinds =
    [
        "email.send", "webhook.deliver", "search.index", "thumbnail.render", "invoice.generate",
        "report.generate", "export.csv", "import.csv", "cache.warm", "sms.send",
        "push.send", "audit.archive", "billing.sync", "crm.sync", "search.reindex",
        "video.transcode", "pdf.render", "backup.verify", "user.cleanup", "ledger.reconcile",
    ];

    public string Name => "explorer";

    public string Summary => "first-page p95 per filter and throughput during a bulk retry (--rows 1000000 --retry 100000 --iterations 50 --workers 4 --seconds 20 --pause-factor 1.5 --bulk whole|window; --database NAME --load-only 1 loads a kept database for a later run)";

    public async Task<int> RunAsync(ScratchDatabase database, BenchmarkArgs args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var rows = args.Number("rows", 1_000_000);
        var retry = Math.Min(args.Number("retry", 100_000), rows / 2);
        var iterations = args.Number("iterations", 50);
        var workers = args.Number("workers", 4);
        var seconds = args.Number("seconds", 20);

        await output.WriteLineAsync(Invariant($"jobs explorer: {rows:N0} rows ({retry:N0} of them failed in kind bulk.retry), {iterations} timed first pages per filter"));
        await output.WriteLineAsync(Invariant($"PostgreSQL {await database.ScalarAsync<string>("SHOW server_version")}, {Environment.ProcessorCount} cores, load {Load()}"));
        var load = Stopwatch.StartNew();
        var existing = await database.ScalarAsync<long>("SELECT count(*) FROM jobs");
        if (existing == 0)
        {
            await FillAsync(database, rows, retry);
            await output.WriteLineAsync(Invariant($"loaded and analyzed in {load.Elapsed.TotalSeconds:N0} s"));
        }
        else if (existing < rows)
        {
            await output.WriteLineAsync(Invariant($"database {database.Name} holds {existing:N0} rows, fewer than --rows: drop it and load again"));
            return 2;
        }
        else
        {
            // A kept database (--database) loaded by an earlier run with --load-only 1: measured as it is.
            await output.WriteLineAsync(Invariant($"reusing the {existing:N0} rows of database {database.Name}"));
        }

        if (args.Number("load-only", 0) == 1)
        {
            return 0;
        }

        await output.WriteLineAsync(Invariant($"heap {await database.ScalarAsync<string>("SELECT pg_size_pretty(pg_relation_size('jobs'))")}, indexes {await database.ScalarAsync<string>("SELECT pg_size_pretty(pg_indexes_size('jobs'))")}"));
        await output.WriteLineAsync();

        await using var db = Db.Create(database.ConnectionString);
        var queries = new JobQueries(db);
        var someId = await database.ScalarAsync<long>("SELECT max(id) / 2 FROM jobs");
        var now = DateTimeOffset.UtcNow;
        var filters = new (string Name, JobFilter Filter)[]
        {
            ("none (newest)", JobFilter.All),
            ("none (oldest)", new JobFilter { Sort = JobSort.Oldest }),
            ("state=failed", new JobFilter { State = "failed" }),
            ("state=done", new JobFilter { State = "done" }),
            ("state=queued", new JobFilter { State = "queued" }),
            ("kind (1 % of rows)", new JobFilter { Kind = "ledger.reconcile" }),
            ("kind+state=failed", new JobFilter { Kind = "email.send", State = "failed" }),
            ("worker", new JobFilter { Worker = "web-7:1007" }),
            ("q=word in error", new JobFilter { ErrorText = "deadlock" }),
            ("q=rare word", new JobFilter { ErrorText = "quota" }),
            ("id", new JobFilter { Id = someId }),
            ("payload customer", new JobFilter { Payload = "{\"customer_id\": 4242}" }),
            ("created last hour", new JobFilter { CreatedFrom = now.AddHours(-1) }),
            ("created a day, 2 weeks ago", new JobFilter { CreatedFrom = now.AddDays(-15), CreatedTo = now.AddDays(-14) }),
            ("finished a day, 3 weeks ago", new JobFilter { FinishedFrom = now.AddDays(-22), FinishedTo = now.AddDays(-21) }),
            ("created before 2 weeks ago", new JobFilter { CreatedTo = now.AddDays(-14) }),
            ("kind+created a day, 2 weeks ago", new JobFilter { Kind = "email.send", CreatedFrom = now.AddDays(-15), CreatedTo = now.AddDays(-14) }),
            ("kind+q+created", new JobFilter { Kind = "email.send", ErrorText = "timeout", CreatedFrom = now.AddDays(-7) }),
        };

        await output.WriteLineAsync("| filter | rows on page | first page p50 | p95 | count p95 | count |");
        await output.WriteLineAsync("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var (name, filter) in filters)
        {
            JobListPage page;
            try
            {
                page = await queries.ListAsync(filter, null, 50, CancellationToken.None);
            }
            catch (TimeoutException ex)
            {
                // What the page would say; the filter is reported, not measured further.
                await output.WriteLineAsync(Invariant($"| {name} | — | timed out | | | {ex.Message} |"));
                continue;
            }

            var list = await TimeAsync(iterations, () => queries.ListAsync(filter, null, 50, CancellationToken.None));
            JobCount? count = null;
            var counts = await TimeAsync(Math.Max(5, iterations / 5), async () => count = await queries.CountAsync(filter, CancellationToken.None));
            await output.WriteLineAsync(Invariant(
                $"| {name} | {page.Jobs.Count} | {Percentile(list, 0.5):N2} ms | {Percentile(list, 0.95):N2} ms | {Percentile(counts, 0.95):N2} ms | {Describe(count!)} |"));
        }

        await output.WriteLineAsync();
        var factor = double.Parse(args.Text("pause-factor", new DashboardOptions().Bulk.ChunkPauseFactor.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        await ThroughputAsync(database, db, output, retry, workers, seconds, factor, wholeRetry: args.Text("bulk", "whole") != "window");
        return 0;
    }

    // With wholeRetry false the bulk retry is cancelled after the measuring window (a chunk is its own transaction, so
    // nothing is left half done) and its rate is reported instead of its total time.
    private static async Task ThroughputAsync(ScratchDatabase database, Db db, TextWriter output, int retry, int workers, int seconds, double factor, bool wholeRetry)
    {
        await database.ExecuteAsync("INSERT INTO jobs (kind) SELECT @Kind FROM generate_series(1, 300000)", new { Kind = WorkKind });
        await database.ExecuteAsync("VACUUM ANALYZE jobs");
        await using var fleet = await BenchFleet.StartAsync(database.ConnectionString, workers, WorkKind);
        await MeasureAsync(fleet, TimeSpan.FromSeconds(3)); // warm-up
        var without = await MeasureAsync(fleet, TimeSpan.FromSeconds(seconds));

        var options = Options.Create(new DashboardOptions());
        options.Value.Bulk.ChunkPauseFactor = factor;
        var actions = new OperatorActions(db, options);
        var admin = new Actor("bench", "local", null, Roles.Admin);
        var result = await actions.ExecuteAsync(
            new StartBulkOperation(JobTransitions.Kind.Retry, new JobFilter { Kind = "bulk.retry", State = "failed" }), admin, "benchmark", Guid.NewGuid().ToString("N"), CancellationToken.None);
        var runner = new BulkOperationRunner(db, options, NullLogger<BulkOperationRunner>.Instance);
        var bulk = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var running = runner.RunPendingAsync(stop.Token);
        var during = await MeasureAsync(fleet, TimeSpan.FromSeconds(seconds));
        var finishedEarly = running.IsCompleted;
        if (!wholeRetry)
        {
            await stop.CancelAsync();
        }

        try
        {
            await running;
        }
        catch (OperationCanceledException) when (!wholeRetry)
        {
            // Stopped after the window, as asked.
        }

        bulk.Stop();
        var changed = await database.ScalarAsync<long>("SELECT changed FROM bulk_operations ORDER BY id DESC LIMIT 1");

        // Throughput drifts as the workers' own claimed rows pile up in the claim index ahead of the queued ones, so
        // with the bulk stopped after the window a third window follows and "during" is compared with the mean of both.
        double? after = wholeRetry ? null : await MeasureAsync(fleet, TimeSpan.FromSeconds(seconds));
        var baseline = after is { } a ? (without + a) / 2 : without;

        await output.WriteLineAsync(Invariant($"claim→complete throughput, {workers} workers on {WorkKind}, {seconds} s each; bulk runner pausing {factor:0.##} × each chunk's time:"));
        await output.WriteLineAsync();
        await output.WriteLineAsync("| condition | jobs/s |");
        await output.WriteLineAsync("| --- | ---: |");
        await output.WriteLineAsync(Invariant($"| no bulk operation | {without:N0} |"));
        await output.WriteLineAsync(Invariant($"| during a bulk retry of {retry:N0} failed jobs | {during:N0} ({(during / baseline - 1) * 100:+0.0;-0.0} % against {(after is null ? "the window before" : "the mean of the windows before and after")}) |"));
        if (after is { } afterValue)
        {
            await output.WriteLineAsync(Invariant($"| no bulk operation again (bulk stopped) | {afterValue:N0} |"));
        }

        await output.WriteLineAsync();
        var note = finishedEarly ? "; it finished before the measuring window ended, so part of the window ran without it" : "";
        var rate = changed / bulk.Elapsed.TotalSeconds;
        await output.WriteLineAsync(wholeRetry
            ? Invariant($"bulk retry: {result.Outcome}, {changed:N0} jobs retried in {bulk.Elapsed.TotalSeconds:N1} s ({rate:N0} jobs/s){note}")
            : Invariant($"bulk retry: {result.Outcome}, stopped after the window: {changed:N0} jobs retried in {bulk.Elapsed.TotalSeconds:N1} s ({rate:N0} jobs/s; all {retry:N0} would take about {retry / rate / 60:N0} min){note}"));
    }

    private static async Task<double> MeasureAsync(BenchFleet fleet, TimeSpan window)
    {
        var start = fleet.CompletedCount;
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        return (fleet.CompletedCount - start) / clock.Elapsed.TotalSeconds;
    }

    private static async Task FillAsync(ScratchDatabase database, int rows, int retry)
    {
        // Ids ascend with created_at over the last 30 days; 1 % failed, the rest done; 16 workers; a customer per payload.
        const int Batch = 1_000_000;
        for (var start = 1; start <= rows; start += Batch)
        {
            await database.ExecuteAsync(
                """
                INSERT INTO jobs (kind, state, payload, attempts, created_at, updated_at, run_at, finished_at, leased_by, leased_at, last_error)
                SELECT k.kind,
                       CASE WHEN g <= @Retry THEN 'failed' WHEN g % 100 = 0 THEN 'failed' ELSE 'done' END,
                       jsonb_build_object('customer_id', g % 50000, 'order', g),
                       1, t, t, t, t + interval '1 minute', 'web-' || (g % 16) || ':' || (1000 + g % 16), t,
                       CASE WHEN g <= @Retry OR g % 100 = 0 THEN
                           (ARRAY['SMTP timeout after 30s', 'deadlock detected', 'connection refused', 'HTTP 503 from upstream', 'quota exceeded for tenant'])[1 + (g / 100) % 5]
                           || ' (job ' || g || ')' END
                FROM generate_series(@Start, least(@Start + @Batch - 1, @Rows)) g
                CROSS JOIN LATERAL (SELECT CASE WHEN g <= @Retry THEN 'bulk.retry' ELSE (@Kinds::text[])[1 + (g::bigint * 7919) % 20] END AS kind) k
                CROSS JOIN LATERAL (SELECT now() - interval '30 days' + (interval '30 days' * g / @Rows) AS t) ts
                """,
                new { Start = start, Batch, Rows = rows, Retry = retry, Kinds = _kinds });
        }

        await database.ExecuteAsync("VACUUM ANALYZE jobs");
    }

    private static async Task<List<double>> TimeAsync(int iterations, Func<Task> action)
    {
        var times = new List<double>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            await action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return times;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string Describe(JobCount count) => count.Kind switch
    {
        JobCountKind.Exact => Invariant($"{count.Value:N0}"),
        JobCountKind.AtLeast => Invariant($"> {count.Value:N0}"),
        _ => Invariant($"≈ {count.Value:N0}"),
    };

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
