namespace Dashboard.Benchmarks;

/// <summary>One benchmark, run by <c>dashboard-bench &lt;Name&gt;</c> against a fresh, migrated scratch database.</summary>
public interface IBenchmark
{
    string Name { get; }

    string Summary { get; }

    Task<int> RunAsync(ScratchDatabase database, BenchmarkArgs args, TextWriter output);
}
