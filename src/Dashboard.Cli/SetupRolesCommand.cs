using System.Globalization;
using System.Text;
using Dashboard.Core.Database;
using Dashboard.Core.Security;
using Npgsql;

namespace Dashboard.Cli;

/// <summary>
/// <c>dashboard-cli setup-roles --connection &lt;superuser&gt; [--database jobs] --env-file &lt;path&gt;</c>: creates the
/// least-privileged roles and the database (see <see cref="RoleSetup"/>), then migrates it as the owner. Passwords
/// are generated the first time and kept in the env file (mode 600) as three connection strings:
/// <c>OWNER_CONNECTION</c> (migrations), <c>CONSOLE_CONNECTION</c> (the console), <c>WORKER_CONNECTION</c> (workers).
/// </summary>
public static class SetupRolesCommand
{
    public const string Owner = "OWNER_CONNECTION";
    public const string Console = "CONSOLE_CONNECTION";
    public const string Worker = "WORKER_CONNECTION";

    public static async Task<int> RunAsync(string adminConnection, string database, string envFile, TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var existing = File.Exists(envFile) ? Read(envFile) : [];
        var logins = new RoleLogins(
            RoleLogins.DefaultOwner, PasswordOf(existing, Owner),
            RoleLogins.DefaultConsole, PasswordOf(existing, Console),
            RoleLogins.DefaultWorker, PasswordOf(existing, Worker));
        await RoleSetup.EnsureAsync(adminConnection, database, logins);

        var owner = RoleSetup.ConnectionStringFor(adminConnection, database, logins.Owner, logins.OwnerPassword);
        await using (var db = Db.Create(owner))
        {
            await new Migrator(db).MigrateAsync();
        }

        var content = new StringBuilder();
        content.AppendLine(CultureInfo.InvariantCulture, $"{Owner}='{owner}'");
        content.AppendLine(CultureInfo.InvariantCulture, $"{Console}='{RoleSetup.ConnectionStringFor(adminConnection, database, logins.Console, logins.ConsolePassword)}'");
        content.AppendLine(CultureInfo.InvariantCulture, $"{Worker}='{RoleSetup.ConnectionStringFor(adminConnection, database, logins.Worker, logins.WorkerPassword)}'");
        await DemoCredentials.WritePrivateAsync(envFile, content.ToString());
        await stdout.WriteLineAsync($"Roles {logins.Owner} (owner), {logins.Console} (dashboard_app) and {logins.Worker} (dashboard_worker) ready on database {database}.");
        return CliApp.Ok;
    }

    private static Dictionary<string, string> Read(string path) =>
        File.ReadAllLines(path)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('\''), StringComparer.Ordinal);

    private static string PasswordOf(Dictionary<string, string> existing, string key) =>
        existing.TryGetValue(key, out var connection) && new NpgsqlConnectionStringBuilder(connection).Password is { Length: > 0 } password
            ? password
            : SecretHash.NewToken();
}
