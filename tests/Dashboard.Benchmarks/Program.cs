using Dashboard.Benchmarks;

// dashboard-bench <benchmark> [options]: figures, not pass/fail tests. One class per benchmark.
if (args.FirstOrDefault() == "snapshot")
{
    return await SnapshotBenchmark.RunAsync(args[1..]);
}

if (args.FirstOrDefault() == "backlog")
{
    return await BacklogBenchmark.RunAsync(args[1..]);
}

IBenchmark[] benchmarks = [new ThroughputBenchmark(), new LiveBenchmark(), new ExplorerBenchmark(), new HistoryBenchmark(), new InstancesBenchmark(), new MemoryBenchmark()];

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("usage: dashboard-bench <benchmark> [--connection <connection string>] [options]\n\nbenchmarks:");
    Console.WriteLine($"  {"snapshot",-12} cost of the overview snapshot as the finished history grows (100k, 1M, 10M rows)");
    Console.WriteLine($"  {"backlog",-12} cost of the snapshot on a 10M-row history as the backlog grows (0, 100k, 1M, 5M queued)");
    foreach (var b in benchmarks)
    {
        Console.WriteLine($"  {b.Name,-12} {b.Summary}");
    }

    Console.WriteLine($"\nThe connection string comes from --connection or {BenchmarkArgs.ConnectionVariable}.");
    return args.Length == 0 ? 2 : 0;
}

var benchmark = benchmarks.FirstOrDefault(b => b.Name == args[0]);
if (benchmark is null)
{
    await Console.Error.WriteLineAsync($"Unknown benchmark '{args[0]}'. Known: snapshot, {string.Join(", ", benchmarks.Select(b => b.Name))}.");
    return 2;
}

var parsed = BenchmarkArgs.Parse(args[1..]);
if (parsed.ConnectionString is null)
{
    await Console.Error.WriteLineAsync($"No database: pass --connection or set {BenchmarkArgs.ConnectionVariable}.");
    return 2;
}

var kept = parsed.Text("database", "");
await using var scratch = await ScratchDatabase.CreateAsync(parsed.ConnectionString, kept.Length > 0 ? kept : null);
return await benchmark.RunAsync(scratch, parsed, Console.Out);
