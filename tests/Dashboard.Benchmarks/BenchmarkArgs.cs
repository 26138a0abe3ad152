namespace Dashboard.Benchmarks;

/// <summary>Command-line options: <c>--name value</c> pairs, plus the connection string.</summary>
public sealed class BenchmarkArgs
{
    public const string ConnectionVariable = "DASHBOARD_BENCH_PG";

    private readonly Dictionary<string, string> _options;

    private BenchmarkArgs(Dictionary<string, string> options, string? connectionString)
    {
        _options = options;
        ConnectionString = connectionString;
    }

    public string? ConnectionString { get; }

    public static BenchmarkArgs Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        options.Remove("connection", out var connection);
        connection ??= Environment.GetEnvironmentVariable(ConnectionVariable) ?? Environment.GetEnvironmentVariable("ConnectionStrings__Jobs");
        return new BenchmarkArgs(options, string.IsNullOrWhiteSpace(connection) ? null : connection);
    }

    public int Number(string name, int fallback) =>
        _options.TryGetValue(name, out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public string Text(string name, string fallback) => _options.GetValueOrDefault(name, fallback);

    public IReadOnlyList<int> Numbers(string name, IReadOnlyList<int> fallback) =>
        _options.TryGetValue(name, out var value)
            ? [.. value.Split(',').Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture))]
            : fallback;
}
