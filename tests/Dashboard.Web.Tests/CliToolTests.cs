using System.Diagnostics;
using Dashboard.Testing;

namespace Dashboard.Web.Tests;

/// <summary>
/// dashboard-cli as a .NET tool: packed into a local folder, installed from it alone with <c>dotnet tool install</c>
/// (no other package source), and run, against a real database too.
/// </summary>
public sealed class CliToolTests : IAsyncLifetime
{
    private static readonly TimeSpan _bound = TimeSpan.FromMinutes(5);
    private readonly TestDatabase _database = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-tool-").FullName;

    public Task InitializeAsync() => _database.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PackedIntoALocalFolder_InstallsFromItAlone_AndRuns()
    {
        var project = NginxProcess.RepositoryFile("src", "Dashboard.Cli", "Dashboard.Cli.csproj");
        var feed = Path.Combine(_dir, "feed");
        var tools = Path.Combine(_dir, "tools");
        // Only the local folder: the install must not need any other package source.
        var config = Path.Combine(_dir, "nuget.config");
        await File.WriteAllTextAsync(config, """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /></packageSources></configuration>
            """);

        var pack = await RunAsync("dotnet", "pack", project, "-c", "Release", "--no-build", "-o", feed);
        Assert.True(pack.Exit == 0, pack.Output);
        Assert.True(File.Exists(Path.Combine(feed, "Dashboard.Cli.1.0.0.nupkg")), pack.Output);

        var install = await RunAsync("dotnet", "tool", "install", "Dashboard.Cli", "--tool-path", tools, "--add-source", feed, "--configfile", config);
        Assert.True(install.Exit == 0, install.Output);

        var tool = Path.Combine(tools, "dashboard-cli");
        var help = await RunAsync(tool, "--help");
        Assert.Equal(0, help.Exit);
        Assert.Contains("usage: dashboard-cli <command>", help.Output, StringComparison.Ordinal);

        var migrate = await RunAsync(tool, "migrate", "--connection", _database.ConnectionString);
        Assert.True(migrate.Exit == 0, migrate.Output);
        Assert.Contains("Schema is up to date.", migrate.Output, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The installed tool's launcher finds the runtime this test runs on.
        start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(Environment.ProcessPath) is { } root && File.Exists(Path.Combine(root, "dotnet"))
            ? root
            : Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(typeof(object).Assembly.Location)))!;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(_bound);
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
