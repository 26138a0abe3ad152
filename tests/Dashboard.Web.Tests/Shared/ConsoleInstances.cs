using Dashboard.Core.Security;
using Dashboard.Testing;

namespace Dashboard.Web.Tests.Shared;

/// <summary>
/// One fresh database and a way to start real console processes on it, each with its own home directory (nothing
/// shared on disk, like instances on different machines), all with the same users and tokens as <see cref="DashboardApp"/>.
/// </summary>
public sealed class ConsoleInstances : IAsyncLifetime
{
    private readonly List<ConsoleProcess> _started = [];
    private readonly List<string> _homes = [];

    // Every instance gets the same settings, as a deployment gives them: hashed once (a hash is salted).
    private readonly Dictionary<string, string> _hashes = Roles.All.ToDictionary(r => r, r => SecretHash.HashPassword(DashboardApp.PasswordOf(r), 1000));

    public TestDatabase Database { get; } = new();

    public Task InitializeAsync() => Database.InitializeAsync();

    public async Task<ConsoleProcess> StartAsync(IReadOnlyDictionary<string, string>? extra = null)
    {
        var app = ConsoleProcess.FindBuiltApp()
            ?? throw new InvalidOperationException("src/Dashboard.Server is not built in Release; run scripts/test.sh");
        var home = Directory.CreateTempSubdirectory("console-home-").FullName;
        _homes.Add(home);
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ConnectionStrings__Jobs"] = Database.ConnectionString,
            ["Dashboard__SnapshotInterval"] = "00:00:00.200",
            ["Dashboard__Auth__SignInAttemptsPerMinute"] = "1000",
            ["Dashboard__Auth__ApiTokens__0__Name"] = "deploy-bot",
            ["Dashboard__Auth__ApiTokens__0__Role"] = Roles.Operator,
            ["Dashboard__Auth__ApiTokens__0__TokenHash"] = SecretHash.HashToken(DashboardApp.OperatorToken),
        };
        var i = 0;
        foreach (var role in Roles.All)
        {
            environment[$"Dashboard__Auth__LocalUsers__{i}__Name"] = role;
            environment[$"Dashboard__Auth__LocalUsers__{i}__Role"] = role;
            environment[$"Dashboard__Auth__LocalUsers__{i}__PasswordHash"] = _hashes[role];
            i++;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        // Under a configured path base the console answers only there.
        var probe = environment.TryGetValue("Dashboard__Proxy__PathBase", out var pathBase) ? $"{pathBase.TrimStart('/')}/signin" : "signin";
        var process = await ConsoleProcess.StartAsync(app, environment, probe);
        _started.Add(process);
        return process;
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _started)
        {
            await process.DisposeAsync();
        }

        foreach (var home in _homes)
        {
            Directory.Delete(home, recursive: true);
        }

        await Database.DisposeAsync();
    }
}
