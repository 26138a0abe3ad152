using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Dashboard.Core.Changes;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Benchmarks;

/// <summary>
/// Several instances (issue 16): two console processes on one database; an operator action taken on instance A
/// (pausing or resuming intake through A's deploy gate, audited) until a hub client connected to instance B sees it.
/// Nothing is relayed between the instances: A writes the database, whose trigger NOTIFYs; B's change listener wakes
/// B's snapshot loop, whose snapshot B's hub pushes.
/// </summary>
public sealed class InstancesBenchmark : IBenchmark
{
    private readonly string _token = SecretHash.NewToken();

    public string Name => "instances";

    public string Summary => "operator action on instance A → hub client of instance B, p50/p95 (--actions 100 --jobs 10000)";

    public async Task<int> RunAsync(ScratchDatabase database, BenchmarkArgs args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var actions = args.Number("actions", 100);
        var jobs = args.Number("jobs", 10_000);
        var interval = args.Text("interval", "00:00:00.500");
        var app = args.Text("app", ConsoleProcess.FindBuiltApp() ?? "");
        if (!File.Exists(app))
        {
            await output.WriteLineAsync("instances: the console is not built; run 'dotnet build src/Dashboard.Server -c Release' or pass --app <Dashboard.Server.dll>.");
            return 2;
        }

        await database.ExecuteAsync("""
            INSERT INTO jobs (kind, state) SELECT 'bench.kind-' || (g % 20), 'queued' FROM generate_series(1, @jobs) g
            """, new { jobs });
        await output.WriteLineAsync(Invariant($"instances: two consoles (snapshot interval {interval}), {jobs:N0} queued jobs, {actions} actions"));

        await using var a = await ConsoleProcess.StartAsync(app, Environment(database, interval));
        await using var b = await ConsoleProcess.StartAsync(app, Environment(database, interval));
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(b.BaseAddress, "hubs/jobs"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(_token))
            .Build();
        var seen = new Signal();
        hub.On<FeedState>("snapshot", state =>
        {
            if (state.Snapshot is { } s)
            {
                seen.Offer(s.Intake.Accepting);
            }
        });
        await hub.StartAsync();
        using var gate = new HttpClient { BaseAddress = a.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        gate.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);

        var latencies = new List<double>();
        var missed = 0;
        var random = new Random(16);
        // Two warm-up actions (JIT, connection pools), then the measured ones; each flips intake.
        for (var i = -2; i < actions; i++)
        {
            var pause = i % 2 == 0;
            var waiting = seen.Expect(accepting: !pause);
            var clock = Stopwatch.StartNew();
            using (var body = new StringContent($$"""{"reason":"benchmark {{i}}"}""", System.Text.Encoding.UTF8, "application/json"))
            using (var response = await gate.PostAsync(new Uri(pause ? "health/jobs/pause" : "health/jobs/resume", UriKind.Relative), body))
            {
                response.EnsureSuccessStatusCode();
            }

            if (await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(10))) != waiting)
            {
                missed++;
            }
            else if (i >= 0)
            {
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }

            await Task.Delay(random.Next(200, 500));
        }

        latencies.Sort();
        await output.WriteLineAsync();
        await output.WriteLineAsync("| Actions | p50 | p95 | p99 | max | missed (10 s) |");
        await output.WriteLineAsync("| --- | --- | --- | --- | --- | --- |");
        await output.WriteLineAsync(latencies.Count == 0
            ? Invariant($"| {actions} | – | – | – | – | {missed} |")
            : Invariant($"| {latencies.Count} | {Percentile(latencies, 0.50):0} ms | {Percentile(latencies, 0.95):0} ms | {Percentile(latencies, 0.99):0} ms | {latencies[^1]:0} ms | {missed} |"));
        return 0;
    }

    private Dictionary<string, string> Environment(ScratchDatabase database, string interval) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Logging__LogLevel__Default"] = "Warning",
        ["ConnectionStrings__Jobs"] = database.ConnectionString,
        ["Dashboard__MigrateOnStart"] = "false",
        ["Dashboard__SnapshotInterval"] = interval,
        ["Dashboard__Auth__ApiTokens__0__Name"] = "bench-operator",
        ["Dashboard__Auth__ApiTokens__0__Role"] = Roles.Operator,
        ["Dashboard__Auth__ApiTokens__0__TokenHash"] = SecretHash.HashToken(_token),
        ["Dashboard__Auth__LocalUsers__0__Name"] = "bench",
        ["Dashboard__Auth__LocalUsers__0__Role"] = Roles.Viewer,
        ["Dashboard__Auth__LocalUsers__0__PasswordHash"] = SecretHash.HashPassword(SecretHash.NewToken(), 10_000),
    };

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Completes the pending expectation when a snapshot shows the expected intake state.</summary>
    private sealed class Signal
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource? _pending;
        private bool _expected;

        public Task Expect(bool accepting)
        {
            lock (_lock)
            {
                _expected = accepting;
                _pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _pending.Task;
            }
        }

        public void Offer(bool accepting)
        {
            lock (_lock)
            {
                if (_pending is not null && accepting == _expected)
                {
                    _pending.TrySetResult();
                    _pending = null;
                }
            }
        }
    }
}
