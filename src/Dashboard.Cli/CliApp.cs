using Dashboard.Core.Database;
using Dashboard.Core.Demo;
using Dashboard.Core.Security;

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
          verify-audit             check the audit log's hash chain; exit 1 and name the first broken entry if it is broken
          hash-password            read a password from standard input, print its hash for Dashboard:Auth:LocalUsers
          new-token                print a new API token and its hash for Dashboard:Auth:ApiTokens
          demo-credentials <dir>   create the demo's users (one per role) and API token once, in <dir>
          drain --url <console> [--token <token>] [--max-drain 10m] [--abort-if-older-than 5m] [--poll 10s] [--reason <text>]
                    pause intake and wait for running jobs to finish; on any failure or interruption resume intake.
                    exit codes: 0 drained (intake stays paused), 3 a job ran longer than --abort-if-older-than,
                    4 jobs still running after --max-drain, 5 console or database unreachable, 130 interrupted;
                    every non-zero exit has resumed intake (or says it could not)
          resume --url <console> [--token <token>] [--reason <text>]
                    resume intake (idempotent; safe as a manual recovery step)
          watch --url <console> [--token <token>]
                    print the queue's counts each time they change (token: --token or DASHBOARD_TOKEN)

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

        switch (args[0])
        {
            case "hash-password":
                var password = (await Console.In.ReadLineAsync())?.TrimEnd('\r', '\n');
                if (string.IsNullOrEmpty(password))
                {
                    await stderr.WriteLineAsync("Type the password on standard input.");
                    return Usage;
                }

                await stdout.WriteLineAsync(SecretHash.HashPassword(password));
                return Ok;
            case "new-token":
                var token = SecretHash.NewToken();
                await stdout.WriteLineAsync($"token: {token}\nhash:  {SecretHash.HashToken(token)}");
                return Ok;
            case "watch":
                return await WatchAsync(args, stdout, stderr);
            case "drain" or "resume":
                return await GateAsync(args, stdout, stderr);
            case "demo-credentials":
                if (args.Length < 2)
                {
                    await stderr.WriteLineAsync("usage: dashboard-cli demo-credentials <dir>");
                    return Usage;
                }

                var created = await DemoCredentials.EnsureAsync(args[1]);
                await stdout.WriteLineAsync(created ? "Demo users and API token created." : "Demo users and API token already exist.");
                return Ok;
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
                    case "verify-audit":
                        var verification = await new Dashboard.Core.Audit.AuditVerifier(db).VerifyAsync(CancellationToken.None);
                        if (verification.Ok)
                        {
                            await stdout.WriteLineAsync($"Audit chain intact: {verification.EntriesChecked} entries checked.");
                            return Ok;
                        }

                        await stderr.WriteLineAsync($"Audit chain broken at entry {verification.FirstBrokenSeq} ({verification.Problem}): {verification.Message}");
                        return Failed;
                    default:
                        await stderr.WriteLineAsync($"Unknown command '{args[0]}'.\n{Help}");
                        return Usage;
                }
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
            {
                await stderr.WriteLineAsync($"Database error: {DatabaseErrors.Describe(ex)}");
                return Failed;
            }
        }
    }

    private static async Task<int> GateAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var url = Option(args, "--url") ?? "http://127.0.0.1:5000";
        var token = Option(args, "--token") ?? Environment.GetEnvironmentVariable("DASHBOARD_TOKEN");
        var maxDrain = DrainCommand.ParseDuration(Option(args, "--max-drain") ?? "10m");
        var abortAfter = DrainCommand.ParseDuration(Option(args, "--abort-if-older-than") ?? "5m");
        var poll = DrainCommand.ParseDuration(Option(args, "--poll") ?? "10s");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var console) || string.IsNullOrEmpty(token) || maxDrain is null || abortAfter is null || poll is null)
        {
            await stderr.WriteLineAsync("usage: dashboard-cli drain|resume --url <console URL> --token <API token> "
                + "[--max-drain 10m] [--abort-if-older-than 5m] [--poll 10s] (token also from DASHBOARD_TOKEN)");
            return Usage;
        }

        using var stop = new CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Cancel);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Cancel);
        using var http = DrainCommand.CreateClient(console, token);
        var command = new DrainCommand(http, stdout, stderr);
        return args[0] == "drain"
            ? await command.DrainAsync(maxDrain.Value, abortAfter.Value, poll.Value, Option(args, "--reason") ?? "deploy: drain before restart", stop.Token)
            : await command.ResumeAsync(Option(args, "--reason") ?? "deploy: resume intake", stop.Token);

        void Cancel(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static async Task<int> WatchAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var url = Option(args, "--url") ?? "http://127.0.0.1:5000";
        var token = Option(args, "--token") ?? Environment.GetEnvironmentVariable("DASHBOARD_TOKEN");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var console) || string.IsNullOrEmpty(token))
        {
            await stderr.WriteLineAsync("usage: dashboard-cli watch --url <console URL> --token <API token> (or DASHBOARD_TOKEN)");
            return Usage;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return await WatchCommand.RunAsync(console, token, stdout, stderr, stop.Token);
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
