using System.Diagnostics;
using System.Globalization;
using Dapper;
using Dashboard.Core.Changes;
using Dashboard.Core.Jobs;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>
/// Live updates under load (issue 6). On a large jobs table with workers running, the console runs as its own process
/// and this measures: (a) change-in-database → hub-client latency with 1, 50 and 200 real SignalR clients, for a
/// change to <c>jobs</c> (seen at the next tick) and for an operator's change to <c>job_kinds</c> (NOTIFY wakes the
/// loop); (b) the database time the console costs per second with 1 and with 200 viewers (pg_stat_statements, for the
/// console's own login role); (c) the workers' claim→complete throughput with the console off and on with 200 viewers;
/// (d) the console's resident memory per hub connection and per Blazor circuit (pages in headless Chromium).
/// </summary>
public sealed class LiveBenchmark : IBenchmark
{
    private const string ConsoleRole = "dashboard_bench_console";
    private const string WorkKind = "bench.noop";
    private const string MarkerKind = "bench.marker";
    private const string SwitchKind = "bench.switch";
    private const string UserName = "bench-viewer";
    private static readonly string[] _workKinds = [WorkKind];

    private readonly string _token = SecretHash.NewToken();
    private readonly string _password = SecretHash.NewToken();
    private volatile Probe? _probe;
    private long _markerId;

    public string Name => "live";

    public string Summary =>
        "change→hub latency, console DB time/s, worker throughput, memory per viewer (--rows 10M --clients 1,50,200 --circuits 50)";

    public async Task<int> RunAsync(ScratchDatabase database, BenchmarkArgs args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var s = new Settings(
            Rows: SnapshotBenchmark.ParseRows(args.Text("rows", "10M")),
            Clients: args.Numbers("clients", [1, 50, 200]),
            Samples: args.Number("samples", 40),
            Circuits: args.Number("circuits", 50),
            Workers: args.Number("workers", 4),
            Rate: args.Number("rate", 300),
            Jobs: args.Number("jobs", 20_000),
            Window: TimeSpan.FromSeconds(args.Number("window", 30)),
            Interval: args.Text("interval", "00:00:00.500"),
            App: args.Text("app", ConsoleProcess.FindBuiltApp() ?? ""));
        if (!File.Exists(s.App))
        {
            await output.WriteLineAsync("live: the console is not built; run 'dotnet build src/Dashboard.Server -c Release' or pass --app <Dashboard.Server.dll>.");
            return 2;
        }

        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        var statements = await PrepareAsync(conn, database, s, output);
        var report = new Report();

        var fleet = await BenchFleet.StartAsync(database.ConnectionString, s.Workers, WorkKind);
        try
        {
            await output.WriteLineAsync("throughput warm-up (not counted)");
            await MeasureThroughputAsync(conn, fleet, s.Jobs / 4, output);
            await output.WriteLineAsync("throughput, console off (before)");
            report.Throughput.Add(("off", await MeasureThroughputAsync(conn, fleet, s.Jobs, output)));

            using var feeder = new Feeder(database.ConnectionString, s.Rate);
            var viewers = new List<HubConnection>();
            var app = await ConsoleProcess.StartAsync(s.App, AppEnvironment(database, s));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10));
                report.ResidentNoViewers = await app.ResidentMedianAsync(5, TimeSpan.FromSeconds(1));
                foreach (var count in s.Clients)
                {
                    await ConnectViewersAsync(app, viewers, count);
                    await Task.Delay(TimeSpan.FromSeconds(3));
                    await output.WriteLineAsync(Invariant($"{count} hub clients: {s.Samples} job-table changes, {s.Samples} operator actions"));
                    report.JobLatency[count] = await MeasureLatencyAsync(conn, viewers, s.Samples, JobChangeAsync, MarkerQueuedIs);
                    report.ActionLatency[count] = await MeasureLatencyAsync(conn, viewers, s.Samples, OperatorActionAsync, SwitchPausedIs);
                    if (statements && (count == s.Clients[0] || count == s.Clients[^1]))
                    {
                        await output.WriteLineAsync(Invariant($"{count} hub clients: console database time over {s.Window.TotalSeconds:0} s"));
                        report.DatabaseTime[count] = await MeasureDatabaseTimeAsync(conn, s.Window);
                    }
                }

                report.ResidentViewers = await app.ResidentMedianAsync(5, TimeSpan.FromSeconds(1));
                feeder.Pause();
                for (var i = 0; i < 2; i++)
                {
                    await output.WriteLineAsync(Invariant($"throughput, console on with {viewers.Count} hub clients"));
                    report.Throughput.Add(($"on, {viewers.Count} hub clients", await MeasureThroughputAsync(conn, fleet, s.Jobs, output)));
                }

                feeder.Resume();
                foreach (var viewer in viewers)
                {
                    await viewer.DisposeAsync();
                }

                viewers.Clear();
                if (s.Circuits > 0)
                {
                    await output.WriteLineAsync(Invariant($"memory: {s.Circuits} Blazor circuits in headless Chromium"));
                    (report.ResidentOneCircuit, report.ResidentCircuits) = await MeasureCircuitsAsync(app, s.Circuits);
                }
            }
            catch
            {
                await output.WriteLineAsync($"console output:\n{app.RecentOutput()}");
                throw;
            }
            finally
            {
                foreach (var viewer in viewers)
                {
                    await viewer.DisposeAsync();
                }

                await app.DisposeAsync();
            }

            feeder.Pause();
            await output.WriteLineAsync("throughput, console off (after)");
            report.Throughput.Add(("off", await MeasureThroughputAsync(conn, fleet, s.Jobs, output)));
        }
        finally
        {
            await fleet.DisposeAsync();
            await DropConsoleRoleAsync(conn);
        }

        await PrintAsync(output, report, s);
        return 0;
    }

    private sealed record Settings(
        long Rows, IReadOnlyList<int> Clients, int Samples, int Circuits, int Workers, int Rate, int Jobs, TimeSpan Window, string Interval, string App);

    private sealed class Report
    {
        public Dictionary<int, Latency> JobLatency { get; } = [];

        public Dictionary<int, Latency> ActionLatency { get; } = [];

        public Dictionary<int, (double CallsPerSecond, double MsPerSecond, double MeanMs)> DatabaseTime { get; } = [];

        public List<(string Condition, double JobsPerSecond)> Throughput { get; } = [];

        public long ResidentNoViewers { get; set; }

        public long ResidentViewers { get; set; }

        public long ResidentOneCircuit { get; set; }

        public long ResidentCircuits { get; set; }
    }

    private sealed record Latency(double P50, double P95, double P99, double Max, int Received, int Missed);

    /// <summary>What one change is waiting for: every client's first snapshot that reflects it.</summary>
    private sealed class Probe(Func<FeedState, bool> matches, int clients)
    {
        private int _remaining = clients;

        public Func<FeedState, bool> Matches { get; } = matches;

        public long[] ReceivedAt { get; } = new long[clients];

        public TaskCompletionSource AllReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Receive(int client)
        {
            if (client < ReceivedAt.Length && Interlocked.CompareExchange(ref ReceivedAt[client], Stopwatch.GetTimestamp(), 0) == 0
                && Interlocked.Decrement(ref _remaining) == 0)
            {
                AllReceived.TrySetResult();
            }
        }
    }

    private async Task<bool> PrepareAsync(NpgsqlConnection conn, ScratchDatabase database, Settings s, TextWriter output)
    {
        var version = await conn.ExecuteScalarAsync<string>("SHOW server_version");
        var buffers = await conn.ExecuteScalarAsync<string>("SHOW shared_buffers");
        await output.WriteLineAsync(Invariant(
            $"PostgreSQL {version} (shared_buffers {buffers}), {Environment.ProcessorCount} cores, .NET {Environment.Version}; load avg {SnapshotBenchmark.LoadAverage()}"));
        await SnapshotBenchmark.SeedLiveSetAsync(conn);
        await SnapshotBenchmark.GrowAsync(conn, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM jobs"), s.Rows);
        // The marker job flips between queued and failed (a job-table change); the switch kind is paused and resumed
        // (an operator's change to a control table). Workers handle neither kind.
        _markerId = await conn.ExecuteScalarAsync<long>(
            "INSERT INTO job_kinds (kind) VALUES (@SwitchKind); INSERT INTO jobs (kind, state) VALUES (@MarkerKind, 'failed') RETURNING id;",
            new { MarkerKind, SwitchKind });
        var clock = Stopwatch.StartNew();
        await conn.ExecuteAsync(new CommandDefinition("VACUUM ANALYZE jobs", commandTimeout: 0));
        await output.WriteLineAsync(Invariant($"  VACUUM ANALYZE: {clock.Elapsed.TotalSeconds:0.0} s"));

        // The console logs in as its own role, so pg_stat_statements can tell its queries from the workers'.
        await conn.ExecuteAsync($"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ConsoleRole}') THEN CREATE ROLE {ConsoleRole} LOGIN; END IF;
            END $$;
            GRANT dashboard_app TO {ConsoleRole};
            GRANT CONNECT ON DATABASE "{database.Name}" TO {ConsoleRole};
            """);
        try
        {
            await conn.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_statements");
            return true;
        }
        catch (PostgresException ex)
        {
            await output.WriteLineAsync($"  pg_stat_statements unavailable ({ex.MessageText}): no database-time figures. Add shared_preload_libraries = 'pg_stat_statements'.");
            return false;
        }
    }

    private static async Task DropConsoleRoleAsync(NpgsqlConnection conn)
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await conn.ExecuteAsync($"DROP OWNED BY {ConsoleRole}; DROP ROLE IF EXISTS {ConsoleRole};");
        }
        catch (PostgresException ex)
        {
            Console.Error.WriteLine($"live: could not drop role {ConsoleRole}: {ex.MessageText}");
        }
    }

    private Dictionary<string, string> AppEnvironment(ScratchDatabase database, Settings s)
    {
        var consoleConnection = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = ConsoleRole, MaxPoolSize = 100 };
        return new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ConnectionStrings__Jobs"] = consoleConnection.ConnectionString,
            ["Dashboard__MigrateOnStart"] = "false",
            ["Dashboard__SnapshotInterval"] = s.Interval,
            ["Dashboard__Auth__SignInAttemptsPerMinute"] = "1000",
            ["Dashboard__Auth__ApiTokens__0__Name"] = "bench-watcher",
            ["Dashboard__Auth__ApiTokens__0__Role"] = Roles.Viewer,
            ["Dashboard__Auth__ApiTokens__0__TokenHash"] = SecretHash.HashToken(_token),
            ["Dashboard__Auth__LocalUsers__0__Name"] = UserName,
            ["Dashboard__Auth__LocalUsers__0__Role"] = Roles.Viewer,
            ["Dashboard__Auth__LocalUsers__0__PasswordHash"] = SecretHash.HashPassword(_password, 10_000),
        };
    }

    private async Task ConnectViewersAsync(ConsoleProcess app, List<HubConnection> viewers, int count)
    {
        while (viewers.Count < count)
        {
            var batch = Enumerable.Range(viewers.Count, Math.Min(20, count - viewers.Count)).Select(index =>
            {
                var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(app.BaseAddress, "hubs/jobs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(_token))
                    .Build();
                connection.On<FeedState>("snapshot", state =>
                {
                    var probe = _probe;
                    if (probe is not null && probe.Matches(state))
                    {
                        probe.Receive(index);
                    }
                });
                return connection;
            }).ToList();
            await Task.WhenAll(batch.Select(c => c.StartAsync()));
            viewers.AddRange(batch);
        }
    }

    private async Task<Latency> MeasureLatencyAsync(
        NpgsqlConnection conn, List<HubConnection> viewers, int samples, Func<NpgsqlConnection, bool, Task> change, Func<FeedState, bool, bool> reflects)
    {
        var latencies = new List<double>();
        var missed = 0;
        for (var i = 0; i < samples + 2; i++)
        {
            // Random spacing, so the changes land at every phase of the loop's tick.
            await Task.Delay(Random.Shared.Next(300, 800));
            var on = i % 2 == 0;
            var probe = new Probe(state => reflects(state, on), viewers.Count);
            _probe = probe;
            var before = Stopwatch.GetTimestamp();
            await change(conn, on);
            await Task.WhenAny(probe.AllReceived.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            _probe = null;
            if (i < 2)
            {
                continue; // warm-up
            }

            foreach (var at in probe.ReceivedAt)
            {
                if (at == 0)
                {
                    missed++;
                }
                else
                {
                    latencies.Add(Stopwatch.GetElapsedTime(before, at).TotalMilliseconds);
                }
            }
        }

        latencies.Sort();
        return latencies.Count == 0
            ? new Latency(double.NaN, double.NaN, double.NaN, double.NaN, 0, missed)
            : new Latency(Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), latencies[^1], latencies.Count, missed);
    }

    // By primary key: no index covers a kind's rows in every state, and a scan of the table would be timed too.
    private Task JobChangeAsync(NpgsqlConnection conn, bool on) =>
        conn.ExecuteAsync(
            "UPDATE jobs SET state = @State, updated_at = now() WHERE id = @Id",
            new { State = on ? JobStates.Queued : JobStates.Failed, Id = _markerId });

    private static bool MarkerQueuedIs(FeedState state, bool on) =>
        state.Snapshot is { } snapshot
        && (snapshot.Kinds.FirstOrDefault(k => k.Kind == MarkerKind)?.CountOf(JobStates.Queued).Count ?? 0) == (on ? 1 : 0);

    private static Task OperatorActionAsync(NpgsqlConnection conn, bool on) =>
        conn.ExecuteAsync(
            """
            UPDATE job_kinds SET paused = @On, paused_by = CASE WHEN @On THEN 'bench' END, paused_at = CASE WHEN @On THEN now() END,
                                 updated_at = now()
            WHERE kind = @SwitchKind
            """,
            new { On = on, SwitchKind });

    private static bool SwitchPausedIs(FeedState state, bool on) =>
        state.Snapshot is { } snapshot && (snapshot.Kinds.FirstOrDefault(k => k.Kind == SwitchKind)?.Paused ?? false) == on;

    private static async Task<(double, double, double)> MeasureDatabaseTimeAsync(NpgsqlConnection conn, TimeSpan window)
    {
        await conn.ExecuteAsync("SELECT pg_stat_statements_reset()");
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        var (calls, ms) = await conn.QuerySingleAsync<(long, double)>(
            """
            SELECT coalesce(sum(s.calls), 0)::bigint, coalesce(sum(s.total_exec_time), 0)::float8
            FROM pg_stat_statements s
            JOIN pg_roles r ON r.oid = s.userid
            WHERE r.rolname = @ConsoleRole AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            """,
            new { ConsoleRole });
        var seconds = clock.Elapsed.TotalSeconds;
        return (calls / seconds, ms / seconds, calls == 0 ? 0 : ms / calls);
    }

    /// <summary>
    /// Waits for the work backlog to drain, then times the fleet through <paramref name="jobs"/> jobs enqueued in
    /// chunks that keep the backlog between 250 and 750 (a healthy queue). The claim sorts every queued row of the kind
    /// it asks for (see docs/benchmarks.md), so one big batch would measure that sort instead of the console.
    /// </summary>
    private static async Task<double> MeasureThroughputAsync(
        NpgsqlConnection conn, BenchFleet fleet, int jobs, TextWriter output)
    {
        const string LeftSql = "SELECT count(*) FROM jobs WHERE kind = @WorkKind AND state IN ('queued', 'processing')";
        const int Chunk = 500;
        while (await conn.ExecuteScalarAsync<long>(LeftSql, new { WorkKind }) > 0)
        {
            await Task.Delay(100);
        }

        var before = fleet.CompletedCount;
        var enqueued = 0;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var completed = fleet.CompletedCount - before;
            if (completed >= jobs)
            {
                break;
            }

            if (enqueued < jobs && enqueued - completed < Chunk / 2)
            {
                var count = Math.Min(Chunk, jobs - enqueued);
                await conn.ExecuteAsync("INSERT INTO jobs (kind) SELECT @WorkKind FROM generate_series(1, @Count)", new { WorkKind, Count = count });
                enqueued += count;
            }
            else
            {
                await Task.Delay(2);
            }
        }

        var rate = jobs / clock.Elapsed.TotalSeconds;
        await output.WriteLineAsync(Invariant($"  {rate:N0} jobs/s (load avg {SnapshotBenchmark.LoadAverage()})"));
        return rate;
    }

    private async Task<(long One, long Many)> MeasureCircuitsAsync(ConsoleProcess app, int circuits)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("DASHBOARD_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
        await using var context = await browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString() });
        context.SetDefaultTimeout(60_000);
        var first = await context.NewPageAsync();
        await first.GotoAsync("/");
        await first.FillAsync("input[name=name]", UserName);
        await first.FillAsync("input[name=password]", _password);
        await first.ClickAsync("button[type=submit]");
        await first.WaitForSelectorAsync("[data-testid=kind-table]");
        await Task.Delay(TimeSpan.FromSeconds(10));
        var one = await app.ResidentMedianAsync(5, TimeSpan.FromSeconds(1));
        for (var i = 0; i < circuits; i++)
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            await page.WaitForSelectorAsync("[data-testid=kind-table]");
        }

        await Task.Delay(TimeSpan.FromSeconds(15));
        var many = await app.ResidentMedianAsync(5, TimeSpan.FromSeconds(1));
        return (one, many);
    }

    private static async Task PrintAsync(TextWriter output, Report r, Settings s)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant(
            $"Live updates: {SnapshotBenchmark.Rows(s.Rows)} rows, snapshot interval {s.Interval}, {s.Workers} workers, feed {s.Rate} jobs/s, {s.Samples} changes per cell; load avg {SnapshotBenchmark.LoadAverage()}"));
        await output.WriteLineAsync();
        await output.WriteLineAsync("| change | hub clients | p50 | p95 | p99 | max | received | missed (10 s) |");
        await output.WriteLineAsync("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, table) in new[] { ("job-table UPDATE", r.JobLatency), ("job_kinds pause/resume", r.ActionLatency) })
        {
            foreach (var (clients, l) in table)
            {
                await output.WriteLineAsync(Invariant(
                    $"| {name} | {clients} | {l.P50:N0} ms | {l.P95:N0} ms | {l.P99:N0} ms | {l.Max:N0} ms | {l.Received:N0} | {l.Missed} |"));
            }
        }

        if (r.DatabaseTime.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync("| hub clients | console statements/s | console DB time | mean per statement |");
            await output.WriteLineAsync("| ---: | ---: | ---: | ---: |");
            foreach (var (clients, (calls, ms, mean)) in r.DatabaseTime)
            {
                await output.WriteLineAsync(Invariant($"| {clients} | {calls:N1} | {ms:N1} ms/s | {mean:N2} ms |"));
            }
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant($"| console | claim→complete jobs/s ({s.Jobs:N0} jobs, {s.Workers} workers) |"));
        await output.WriteLineAsync("| --- | ---: |");
        foreach (var (condition, rate) in r.Throughput)
        {
            await output.WriteLineAsync(Invariant($"| {condition} | {rate:N0} |"));
        }

        var off = r.Throughput.Where(t => t.Condition == "off").Select(t => t.JobsPerSecond).DefaultIfEmpty(double.NaN).Average();
        var on = r.Throughput.Where(t => t.Condition != "off").Select(t => t.JobsPerSecond).DefaultIfEmpty(double.NaN).Average();
        await output.WriteLineAsync(Invariant($"on vs off (means): {(on / off - 1) * 100:+0.0;-0.0} %"));

        await output.WriteLineAsync();
        var viewers = s.Clients.Count == 0 ? 0 : s.Clients[^1];
        await output.WriteLineAsync(Invariant(
            $"console RSS: {Mib(r.ResidentNoViewers)} with no viewers, {Mib(r.ResidentViewers)} with {viewers} hub clients ({(r.ResidentViewers - r.ResidentNoViewers) / (double)Math.Max(1, viewers) / 1024:N0} KiB per hub connection)"));
        if (s.Circuits > 0)
        {
            await output.WriteLineAsync(Invariant(
                $"console RSS: {Mib(r.ResidentOneCircuit)} with 1 circuit, {Mib(r.ResidentCircuits)} with {s.Circuits + 1} ({(r.ResidentCircuits - r.ResidentOneCircuit) / (double)s.Circuits / 1024:N0} KiB per circuit)"));
        }
    }

    private static string Mib(long bytes) => Invariant($"{bytes / (double)(1 << 20):N0} MiB");

    // Nearest rank on sorted samples.
    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Keeps the workers busy at a steady rate: every 100 ms, enqueues a tenth of the rate.</summary>
    private sealed class Feeder : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _running;
        private volatile bool _paused;

        public Feeder(string connectionString, int ratePerSecond)
        {
            _running = Task.Run(async () =>
            {
                await using var conn = new NpgsqlConnection(connectionString);
                await conn.OpenAsync();
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
                while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default))
                {
                    if (!_paused)
                    {
                        await conn.ExecuteAsync(
                            "INSERT INTO jobs (kind) SELECT @WorkKind FROM generate_series(1, @Count)",
                            new { WorkKind, Count = Math.Max(1, ratePerSecond / 10) });
                    }
                }
            });
        }

        public void Pause() => _paused = true;

        public void Resume() => _paused = false;

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _running.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }
    }
}
