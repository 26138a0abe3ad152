using Dashboard.Benchmarks;

// One class per benchmark; each parses its own arguments.
return args.FirstOrDefault() switch
{
    "snapshot" => await SnapshotBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dashboard-benchmarks <benchmark> [options]

        benchmarks:
          snapshot   cost of the overview snapshot as the finished history grows (100k, 1M, 10M rows)

        Run one with --help for its options.
        """);
    return 2;
}
