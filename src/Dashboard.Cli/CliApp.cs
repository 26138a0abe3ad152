using Dashboard.Core.Database;
using Dashboard.Core.Demo;
using Npgsql;

namespace Dashboard.Cli;

/// <summary>
/// dashboard-cli: database chores for operators and scripts.
/// Exit codes: 0 success, 1 failure, 2 usage or configuration error.
/// </summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    private const string Help = """
        usage: dashboard-cli <command> [--connection <connection string>]

        commands:
          migrate   apply pending schema migrations (each once; re-running is harmless)
          seed      load the demo data into an empty jobs table

        The connection string comes from --connection or the ConnectionStrings__Jobs environment variable.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await stdout.WriteLineAsync(Help);
            return args.Length == 0 ? Usage : Ok;
        }

        var connection = Option(args, "--connection") ?? Environment.GetEnvironmentVariable("ConnectionStrings__Jobs");
        if (string.IsNullOrWhiteSpace(connection))
        {
            await stderr.WriteLineAsync("No database: pass --connection or set ConnectionStrings__Jobs.");
            return Usage;
        }

        Db db;
        try
        {
            db = Db.Create(connection);
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync($"The connection string is not valid: {ex.Message}");
            return Usage;
        }

        await using (db)
        {
            try
            {
                switch (args[0])
                {
                    case "migrate":
                        var applied = await new Migrator(db).MigrateAsync();
                        await stdout.WriteLineAsync(applied.Count == 0
                            ? "Schema is up to date."
                            : $"Applied migrations: {string.Join(", ", applied)}.");
                        return Ok;
                    case "seed":
                        await new Migrator(db).MigrateAsync();
                        var loaded = await new DemoData(db).SeedAsync();
                        await stdout.WriteLineAsync(loaded ? "Demo data loaded." : "Jobs table is not empty; demo data left as it is.");
                        return Ok;
                    default:
                        await stderr.WriteLineAsync($"Unknown command '{args[0]}'.\n{Help}");
                        return Usage;
                }
            }
            catch (NpgsqlException ex)
            {
                await stderr.WriteLineAsync($"Database error: {ex.Message}");
                return Failed;
            }
        }
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
