using System.Globalization;
using Dapper;
using Dashboard.Core.Database;
using Dashboard.Core.Demo;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.Playwright;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>
/// Memory per viewer (issue 18). The console runs as its own process on a database holding the incident scenario;
/// headless Chromium opens 0, 1, 50 and 200 signed-in tabs of a page (several browser contexts, one shared sign-in)
/// and, at each count, this reads the console's managed heap after a forced full collection (<see cref="GcHeap"/>)
/// and its resident set (VmRSS). With 1 and with the most tabs open it times change → screen: a kind is paused or
/// resumed (its trigger wakes the loop) and a job changes state (seen at the next tick), and the clock stops when
/// the change is in the DOM of the probed tabs. Then every tab is closed and the heap is read again.
/// </summary>
public sealed class MemoryBenchmark : IBenchmark
{
    private const string ConsoleRole = "dashboard_bench_memory";
    private const string UserName = "bench-viewer";

    // Sorted first by name, so every overview tab shows them on the first page of kinds.
    private const string SwitchKind = "aaa.bench.switch";
    private const string MarkerKind = "aaa.bench.marker";

    private readonly string _password = SecretHash.NewToken();
    private long _markerId;

    public string Name => "memory";

    public string Summary => "console heap and RSS per Blazor circuit, change→screen latency (--circuits 0,1,50,200 --pages / --backlog 100000)";

    public async Task<int> RunAsync(ScratchDatabase database, BenchmarkArgs args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var counts = args.Numbers("circuits", [0, 1, 50, 200]);
        var pages = args.Text("pages", "/").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var backlog = args.Number("backlog", 100_000);
        var samples = args.Number("samples", 15);
        var settle = TimeSpan.FromSeconds(args.Number("settle", 10));
        var perContext = args.Number("tabs-per-context", 25);
        var probeCount = args.Number("probes", 10);

        // The console's DisconnectedRetention (Dashboard:Circuits): a circuit whose tab vanished without a goodbye is
        // released after it.
        var retention = TimeSpan.FromSeconds(args.Number("retention", 60));

        // The tabs that are not probed run in a second Chromium at the lowest CPU priority (nice 19), and where this
        // machine lets the benchmark make a CPU control group, in one with the smallest share, as if on their viewers'
        // own machines: on the benchmark's 2 cores, 200 tabs' browser work would otherwise take the CPU the console
        // needs, and change → screen would measure the browsers. Nice alone is not enough: it weighs each of the 190
        // tabs' threads against each of the console's, and a browser in a session of its own is not weighed against
        // the console at all (autogroup). Every tab still draws every change.
        var niceViewers = args.Number("nice-viewers", 1) != 0;

        // Where to write a heap dump at each count (dotnet-gcdump, when installed), to see where the memory goes.
        var dumps = args.Text("gcdump", "");
        var app = args.Text("app", ConsoleProcess.FindBuiltApp() ?? "");
        if (!File.Exists(app))
        {
            await output.WriteLineAsync("memory: the console is not built; run 'dotnet build src/Dashboard.Server -c Release' or pass --app <Dashboard.Server.dll>.");
            return 2;
        }

        await output.WriteLineAsync(Invariant($"{Environment.ProcessorCount} cores, .NET {Environment.Version}; load avg {SnapshotBenchmark.LoadAverage()}"));
        await PrepareAsync(database, backlog, output);
        var rows = new List<string>();
        var latencies = new List<string>();
        var browserWork = new List<string>();
        await using var console = await ConsoleProcess.StartAsync(app, AppEnvironment(database));
        try
        {
            using var playwright = await Playwright.CreateAsync();
            var chromium = Environment.GetEnvironmentVariable("DASHBOARD_CHROMIUM") ?? "/usr/bin/chromium";
            await using var browser = await LaunchAsync(playwright, chromium);
            using var group = niceViewers ? ViewerCpuGroup.TryCreate() : null;
            if (niceViewers)
            {
                await output.WriteLineAsync(group is null ? "viewers' browser: nice 19" : $"viewers' browser: nice 19, in CPU group {group.Path} ({group.Share})");
            }

            var wrapper = niceViewers ? await NiceWrapperAsync(chromium, group) : null;
            await using var viewers = wrapper is null ? null : await LaunchAsync(playwright, wrapper);
            if (wrapper is not null)
            {
                File.Delete(wrapper); // Chromium replaced it (exec) and runs on without it.
            }

            var state = await SignInAsync(browser, console);
            foreach (var path in pages)
            {
                var tabs = new Tabs(browser, viewers ?? browser, console, state, perContext, Math.Max(1, counts.Max() / probeCount));
                try
                {
                    await Task.Delay(settle);
                    var baseline = await ReadAsync(console);
                    foreach (var count in counts)
                    {
                        await tabs.GrowAsync(path, count);
                        await Task.Delay(settle);
                        var now = await ReadAsync(console);
                        var perCircuit = count == 0 ? "" : Invariant($"{(now.Heap - baseline.Heap) / (double)count / 1024:N0} KiB");
                        var rssPer = count == 0 ? "" : Invariant($"{(now.Resident - baseline.Resident) / (double)count / 1024:N0} KiB");
                        rows.Add(Invariant(
                            $"| {path} | {count} | {Mib(now.Heap)} | {perCircuit} | {Mib(now.Committed)} | {Mib(now.Resident)} | {Mib(now.Resident - baseline.Resident)} | {rssPer} | {SnapshotBenchmark.LoadAverage()} |"));
                        await output.WriteLineAsync(rows[^1]);
                        if (dumps.Length > 0)
                        {
                            await GcDumpAsync(console.Id, Path.Combine(dumps, Invariant($"tabs-{count}.gcdump")), output);
                        }

                        if (count > 0)
                        {
                            // What an open tab costs its browser: the renderer's main-thread work (script, style,
                            // layout, paint) per second while the tab is open and nothing changes but the clock. The
                            // benchmark's tabs share renderer processes, so this is read on one probed tab (whose
                            // ages move) and one other tab (whose ages stand) alone.
                            foreach (var (tab, clock) in tabs.ForBrowserWork())
                            {
                                var work = await BrowserWorkAsync(tab, settle);
                                browserWork.Add(Invariant($"| {path} | {count} | {(clock ? "probed, ages move" : "not probed, ages stand")} | {work} | {SnapshotBenchmark.LoadAverage()} |"));
                                await output.WriteLineAsync(browserWork[^1]);
                            }
                        }

                        var changes = new (string, Func<int, bool, Task<long>>)[] { ("job_kinds pause/resume", (i, on) => PauseAsync(database, on)), ("job-table UPDATE", (i, on) => FlipMarkerAsync(database, on)) };
                        if (path == "/" && samples > 0 && count > 0 && (count == counts.First(c => c > 0) || count == counts[^1]))
                        {
                            foreach (var (name, change) in changes)
                            {
                                var l = await MeasureLatencyAsync(tabs.Probes(), name, samples, change, console.Id);
                                latencies.Add(Invariant($"| {path} | {name} | {count} | {l.Probes} | {l.ArrivedP50:N0} ms | {l.ArrivedP95:N0} ms | {l.P50:N0} ms | {l.P95:N0} ms | {l.Max:N0} ms | {l.Missed} | {l.ConsoleCpu:N0} ms | {l.BrowserCpu:N0} ms | {SnapshotBenchmark.LoadAverage()} |"));
                                await output.WriteLineAsync(latencies[^1]);
                            }
                        }
                        else if (samples > 0 && count > 0 && count == counts[^1])
                        {
                            // Other pages: what a change of the feed costs the console with this many tabs open (the
                            // pause shows on no other page; the job is the newest, first on the jobs list).
                            foreach (var (name, change) in changes)
                            {
                                var (consoleCpu, browsers) = await MeasureCpuAsync(samples, change, console.Id);
                                latencies.Add(Invariant($"| {path} | {name} | {count} | 0 | | | | | | | {consoleCpu:N0} ms | {browsers:N0} ms | {SnapshotBenchmark.LoadAverage()} |"));
                                await output.WriteLineAsync(latencies[^1]);
                            }
                        }
                    }
                }
                finally
                {
                    await tabs.DisposeAsync();
                }

                // Closed tabs: their circuits must go (the browser says goodbye on unload; retention covers the rest).
                var closedAt = System.Diagnostics.Stopwatch.StartNew();
                foreach (var wait in new[] { settle, retention + settle })
                {
                    await Task.Delay(wait > closedAt.Elapsed ? wait - closedAt.Elapsed : TimeSpan.Zero);
                    var closed = await ReadAsync(console);
                    rows.Add(Invariant($"| {path} | all closed, {closedAt.Elapsed.TotalSeconds:N0} s later | {Mib(closed.Heap)} | | {Mib(closed.Committed)} | {Mib(closed.Resident)} | | | {SnapshotBenchmark.LoadAverage()} |"));
                    await output.WriteLineAsync(rows[^1]);
                }
            }
        }
        catch
        {
            await output.WriteLineAsync($"console output:\n{console.RecentOutput()}");
            throw;
        }
        finally
        {
            await DropConsoleRoleAsync(database);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant($"Memory per viewer: incident scenario with a backlog of {backlog:N0}; load avg {SnapshotBenchmark.LoadAverage()}"));
        await output.WriteLineAsync();
        await output.WriteLineAsync("| page | tabs | heap after full GC | heap per tab | GC committed | RSS | RSS growth | RSS per tab | load avg |");
        await output.WriteLineAsync("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var row in rows)
        {
            await output.WriteLineAsync(row);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("| page | tabs open | tab | its renderer, busy | script | style | layout | load avg |");
        await output.WriteLineAsync("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var row in browserWork)
        {
            await output.WriteLineAsync(row);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("| page | change → screen | tabs open | tabs probed | arrived p50 | arrived p95 | shown p50 | shown p95 | shown max | missed (10 s) | console CPU per change | browsers' CPU per change | load avg |");
        await output.WriteLineAsync("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var row in latencies)
        {
            await output.WriteLineAsync(row);
        }

        return 0;
    }

    private sealed record Reading(long Heap, long Committed, long Resident);

    // Arrived: when the tab began to handle the message with the change (the console's part, before the browser draws).
    private sealed record Latency(int Probes, double P50, double P95, double Max, int Missed, double ConsoleCpu, double BrowserCpu, double ArrivedP50, double ArrivedP95);

    private static async Task<Reading> ReadAsync(ConsoleProcess console)
    {
        // Two collections: the first one's finalizers (closed circuits, timers) free more for the second.
        await GcHeap.AfterFullCollectionAsync(console.Id, TimeSpan.FromSeconds(60));
        var heap = await GcHeap.AfterFullCollectionAsync(console.Id, TimeSpan.FromSeconds(60));
        var committed = await GcHeap.CommittedAsync(console.Id, TimeSpan.FromSeconds(60));
        var resident = await console.ResidentMedianAsync(5, TimeSpan.FromSeconds(1));
        return new Reading(heap, committed, resident);
    }

    private async Task PrepareAsync(ScratchDatabase database, int backlog, TextWriter output)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using (var db = Db.Create(database.ConnectionString))
        {
            await new IncidentData(db).LoadAsync(backlog);
        }

        await using var conn = new NpgsqlConnection(database.ConnectionString);
        _markerId = await conn.ExecuteScalarAsync<long>(
            "INSERT INTO job_kinds (kind) VALUES (@SwitchKind); INSERT INTO jobs (kind, state) VALUES (@MarkerKind, 'failed') RETURNING id;",
            new { MarkerKind, SwitchKind });
        await conn.ExecuteAsync(new CommandDefinition("VACUUM ANALYZE", commandTimeout: 0));
        await conn.ExecuteAsync($"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ConsoleRole}') THEN CREATE ROLE {ConsoleRole} LOGIN; END IF;
            END $$;
            GRANT dashboard_app TO {ConsoleRole};
            GRANT CONNECT ON DATABASE "{database.Name}" TO {ConsoleRole};
            """);
        await output.WriteLineAsync(Invariant($"incident loaded (backlog {backlog:N0}) in {clock.Elapsed.TotalSeconds:0} s"));
    }

    private static async Task DropConsoleRoleAsync(ScratchDatabase database)
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await database.ExecuteAsync($"DROP OWNED BY {ConsoleRole}; DROP ROLE IF EXISTS {ConsoleRole};");
        }
        catch (PostgresException ex)
        {
            await Console.Error.WriteLineAsync($"memory: could not drop role {ConsoleRole}: {ex.MessageText}");
        }
    }

    private Dictionary<string, string> AppEnvironment(ScratchDatabase database) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Logging__LogLevel__Default"] = "Warning",
        ["ConnectionStrings__Jobs"] = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = ConsoleRole, MaxPoolSize = 50 }.ConnectionString,
        ["Dashboard__MigrateOnStart"] = "false",
        ["Dashboard__Auth__SignInAttemptsPerMinute"] = "1000",
        ["Dashboard__Auth__LocalUsers__0__Name"] = UserName,
        ["Dashboard__Auth__LocalUsers__0__Role"] = Roles.Viewer,
        ["Dashboard__Auth__LocalUsers__0__PasswordHash"] = SecretHash.HashPassword(_password, 10_000),
    };

    private static async Task GcDumpAsync(int pid, string path, TextWriter output)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var dump = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet-gcdump", ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", path]) { RedirectStandardOutput = true });
        await dump!.WaitForExitAsync();
        await output.WriteLineAsync($"heap dump: {path} (exit {dump.ExitCode})");
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright, string executable) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = executable,
        Headless = true,
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--renderer-process-limit=16",
        ],
    });

    // A script that starts Chromium at nice 19, in the viewers' CPU group when there is one; its renderers and helpers
    // inherit both.
    private static async Task<string> NiceWrapperAsync(string chromium, ViewerCpuGroup? group)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dashboard-bench-nice-chromium-{Environment.ProcessId}.sh");
        var join = group is null ? "" : $"echo $$ > '{group.Path}/cgroup.procs'\n";
        await File.WriteAllTextAsync(path, $"#!/bin/sh\n{join}exec nice -n 19 '{chromium.Replace("'", "'\\''", StringComparison.Ordinal)}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>Signs in once through the form; every context starts from that sign-in's cookies.</summary>
    private async Task<string> SignInAsync(IBrowser browser, ConsoleProcess console)
    {
        await using var context = await browser.NewContextAsync(new() { BaseURL = console.BaseAddress.ToString() });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("input[name=name]", UserName);
        await page.FillAsync("input[name=password]", _password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=kind-table]");
        return await context.StorageStateAsync();
    }

    // Milliseconds per second the tab's renderer main thread was busy (Chrome's TaskDuration metric, which covers
    // every task of that renderer process: other tabs in the same process count too), and of that the time in
    // script, style and layout.
    private static async Task<string> BrowserWorkAsync(IPage page, TimeSpan window)
    {
        string[] names = ["TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration"];
        var session = await page.Context.NewCDPSessionAsync(page);
        try
        {
            await session.SendAsync("Performance.enable");
            var start = await MetricsAsync(session, names);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Task.Delay(window);
            var end = await MetricsAsync(session, names);
            var perSecond = names.Select((_, i) => (end[i] - start[i]) * 1000 / clock.Elapsed.TotalSeconds).ToList();
            return Invariant($"{perSecond[0]:N1} ms/s | {perSecond[1]:N1} ms/s | {perSecond[2]:N1} ms/s | {perSecond[3]:N1} ms/s");
        }
        finally
        {
            await session.DetachAsync();
        }
    }

    private static async Task<double[]> MetricsAsync(ICDPSession session, string[] names)
    {
        var metrics = await session.SendAsync("Performance.getMetrics");
        var values = metrics!.Value.GetProperty("metrics").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble(), StringComparer.Ordinal);
        return [.. names.Select(n => values.GetValueOrDefault(n, double.NaN))];
    }

    private Task<long> PauseAsync(ScratchDatabase database, bool on) => Timed(() => database.ExecuteAsync(
        "UPDATE job_kinds SET paused = @On, paused_by = CASE WHEN @On THEN 'bench' END, paused_at = CASE WHEN @On THEN now() END, updated_at = now() WHERE kind = @SwitchKind",
        new { On = on, SwitchKind }));

    private Task<long> FlipMarkerAsync(ScratchDatabase database, bool on) => Timed(() => database.ExecuteAsync(
        "UPDATE jobs SET state = @State, updated_at = now() WHERE id = @Id", new { State = on ? "queued" : "failed", Id = _markerId }));

    // The clock starts before the statement is sent: Unix milliseconds, the same clock the page's Date.now() reads.
    private static async Task<long> Timed(Func<Task> change)
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await change();
        return start;
    }

    // Also the CPU time the console and the browsers (all Chromium processes) spent per change, over the timed
    // changes and the pauses between them (the idle cost in those pauses is in it too).
    private static async Task<Latency> MeasureLatencyAsync(IReadOnlyList<IPage> probes, string name, int samples, Func<int, bool, Task<long>> change, int consolePid)
    {
        var pause = name.StartsWith("job_kinds", StringComparison.Ordinal);
        var latencies = new List<double>();
        var arrivals = new List<double>();
        var missed = 0;
        var (console, browsers) = (0.0, 0.0);
        for (var i = 0; i < samples + 2; i++)
        {
            await ViewersIdleAsync();
            if (i == 2)
            {
                (console, browsers) = (ProcessCpu.Of(consolePid), ProcessCpu.OfCommand("chrom"));
            }

            await Task.Delay(Random.Shared.Next(300, 800));
            var on = i % 2 == 0;
            var (kind, cell, text) = pause
                ? (SwitchKind, "td:last-child", on ? "paused" : "running")
                : (MarkerKind, "a[href*='state=queued']", on ? "1" : "0");
            foreach (var probe in probes)
            {
                await probe.EvaluateAsync(WatchScript, new object[] { kind, cell, text });
            }

            var start = await change(i, on);
            var seen = new long[probes.Count];
            var arrived = new long[probes.Count];
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (seen.Any(s => s == 0) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
                for (var p = 0; p < probes.Count; p++)
                {
                    if (seen[p] == 0)
                    {
                        var at = await probes[p].EvaluateAsync<long[]>("() => [window.__seen || 0, Math.round(window.__arrived || 0)]");
                        (seen[p], arrived[p]) = (at[0], at[1]);
                    }
                }
            }

            if (i < 2)
            {
                continue; // warm-up
            }

            for (var p = 0; p < probes.Count; p++)
            {
                if (seen[p] == 0)
                {
                    missed++;
                }
                else
                {
                    latencies.Add(Math.Max(0, seen[p] - start));
                    arrivals.Add(Math.Max(0, arrived[p] - start));
                }
            }
        }

        (console, browsers) = ((ProcessCpu.Of(consolePid) - console) / samples, (ProcessCpu.OfCommand("chrom") - browsers) / samples);
        latencies.Sort();
        arrivals.Sort();
        static double At(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        return new Latency(probes.Count, At(latencies, 0.5), At(latencies, 0.95), latencies.Count == 0 ? double.NaN : latencies[^1], missed, console, browsers,
            At(arrivals, 0.5), At(arrivals, 0.95));
    }

    // The console's and the browsers' CPU per change over samples changes (after two untimed ones), each once the
    // viewers are idle and after the same pause as in MeasureLatencyAsync, with nothing timed in the tabs.
    private static async Task<(double Console, double Browsers)> MeasureCpuAsync(int samples, Func<int, bool, Task<long>> change, int consolePid)
    {
        var (console, browsers) = (0.0, 0.0);
        for (var i = 0; i < samples + 2; i++)
        {
            await ViewersIdleAsync();
            if (i == 2)
            {
                (console, browsers) = (ProcessCpu.Of(consolePid), ProcessCpu.OfCommand("chrom"));
            }

            await Task.Delay(Random.Shared.Next(300, 800));
            await change(i, i % 2 == 0);
        }

        await ViewersIdleAsync();
        return ((ProcessCpu.Of(consolePid) - console) / samples, (ProcessCpu.OfCommand("chrom") - browsers) / samples);
    }

    // Waits (at most 15 s) until every tab has drawn the change before: the viewers' browser (the Chromium processes
    // at nice 19) used less than a tenth of a core over half a second.
    private static async Task ViewersIdleAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var before = ProcessCpu.OfCommand("chrom", nice: 19);
            await Task.Delay(500);
            if (ProcessCpu.OfCommand("chrom", nice: 19) - before < 50)
            {
                return;
            }
        }
    }

    // When the page began to handle the last message on the circuit's WebSocket (Unix ms, the message event's own
    // time): the change comes in one render batch, so at the change this is when the console's message was taken up,
    // before Blazor applies it and the browser draws it. A listener added before Blazor's own.
    private const string ArrivalScript = """
        (() => {
            const Native = window.WebSocket;
            window.WebSocket = class extends Native {
                constructor(...args) {
                    super(...args);
                    this.addEventListener("message", e => { window.__messageAt = performance.timeOrigin + e.timeStamp; });
                }
            };
        })();
        """;

    // Records (Date.now()) the moment the kind's row shows the expected text in the given cell, and when the message
    // that carried it arrived.
    private const string WatchScript = """
        ([kind, cell, text]) => {
            window.__seen = 0;
            if (window.__watch) { window.__watch.disconnect(); }
            const check = () => {
                const row = document.querySelector(`tr[data-kind="${kind}"]`);
                const target = row && row.querySelector(cell);
                if (target && target.textContent.trim().includes(text)) {
                    window.__seen = Date.now();
                    window.__arrived = window.__messageAt || 0;
                    window.__watch.disconnect();
                }
            };
            window.__watch = new MutationObserver(check);
            window.__watch.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
        }
        """;

    private static string Mib(long bytes) => Invariant($"{bytes / (double)(1 << 20):N1} MiB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Open tabs of one page, spread over browser contexts that share one sign-in. Every
    /// <paramref name="probeEvery"/>th tab (the first, then evenly over all) is a probe: latency is timed on it, and its
    /// ages move as in any browser. The other tabs get an empty <c>live.js</c>, so their ages stand: the script talks
    /// to nobody, so the console's memory and work per circuit are the same, but 200 tabs moving their ages once a
    /// second would load the benchmark's own 2 cores with browser work (the console's figures would then measure the
    /// browsers). A change from the console still reaches and is drawn in every tab.
    /// </summary>
    private sealed class Tabs(IBrowser probes, IBrowser viewers, ConsoleProcess console, string storageState, int perContext, int probeEvery) : IAsyncDisposable
    {
        private readonly List<(IBrowserContext Context, int Tabs)> _contexts = [];
        private readonly List<IPage> _pages = [];

        private bool IsProbe(int index) => index % probeEvery == 0;

        public async Task GrowAsync(string path, int count)
        {
            // A few at a time; the page is interactive once its table is rendered (it is not prerendered).
            while (_pages.Count < count)
            {
                var batch = new List<(int Index, IBrowserContext Context)>();
                for (var index = _pages.Count; index < Math.Min(_pages.Count + 5, count); index++)
                {
                    var browser = IsProbe(index) ? probes : viewers;
                    batch.Add((index, ContextFor(browser) ?? await NewContextAsync(browser)));
                }

                var opened = await Task.WhenAll(batch.Select(async tab =>
                {
                    var page = await tab.Context.NewPageAsync();
                    if (IsProbe(tab.Index))
                    {
                        await page.AddInitScriptAsync(ArrivalScript);
                    }
                    else
                    {
                        await page.RouteAsync("**/live*.js", route => route.FulfillAsync(new() { ContentType = "text/javascript", Body = "" }));
                    }

                    // Drawn by the circuit: a table (overview, jobs list), or a kind page's figures.
                    await page.GotoAsync(path);
                    await page.WaitForSelectorAsync("table, [data-testid=kind-now]");
                    return page;
                }));
                _pages.AddRange(opened);
            }
        }

        // A context of the browser with room for one more tab, if there is one; the tab is counted in it.
        private IBrowserContext? ContextFor(IBrowser browser)
        {
            var i = _contexts.FindIndex(c => c.Context.Browser == browser && c.Tabs < perContext);
            if (i < 0)
            {
                return null;
            }

            _contexts[i] = (_contexts[i].Context, _contexts[i].Tabs + 1);
            return _contexts[i].Context;
        }

        private async Task<IBrowserContext> NewContextAsync(IBrowser browser)
        {
            var context = await browser.NewContextAsync(new() { BaseURL = console.BaseAddress.ToString(), StorageState = storageState, ViewportSize = new() { Width = 1400, Height = 1000 } });
            context.SetDefaultTimeout(120_000);
            _contexts.Add((context, 1));
            return context;
        }

        /// <summary>The probed tabs: the first and then every <c>probeEvery</c>th one opened.</summary>
        public IReadOnlyList<IPage> Probes() => [.. _pages.Where((_, i) => IsProbe(i))];

        /// <summary>The first two tabs, each with whether it is probed (the first always is).</summary>
        public IEnumerable<(IPage Tab, bool Probed)> ForBrowserWork() => _pages.Take(2).Select((page, i) => (page, IsProbe(i)));

        public async ValueTask DisposeAsync()
        {
            foreach (var (context, _) in _contexts)
            {
                await context.CloseAsync();
            }
        }
    }
}
