using System.Diagnostics;
using System.Text;

namespace Dashboard.Browser.Tests.Oidc;

/// <summary>
/// The test OpenID provider (tests/oidc-provider: oidc-provider from npm, installed by scripts/test.sh) as a real
/// node process on 127.0.0.1 and a free port, stopped on dispose. Its users, passwords and groups are in provider.js.
/// </summary>
public sealed class TestOidcProvider : IAsyncDisposable
{
    public const string ClientId = "jobs-console";
    public const string ClientSecret = "test-client-secret";

    private readonly Process _process;
    private readonly StringBuilder _log;

    private TestOidcProvider(Process process, Uri issuer, StringBuilder log)
    {
        _process = process;
        Issuer = issuer;
        _log = log;
    }

    public Uri Issuer { get; }

    /// <summary>What the provider wrote to stderr so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static string PasswordOf(string user) => $"{user}-password";

    /// <summary>Starts the provider for a console at <paramref name="console"/>; with <paramref name="pushedAuthorization"/> it offers PAR, which the console then uses.</summary>
    public static async Task<TestOidcProvider> StartAsync(Uri console, TimeSpan tokenLifetime, bool pushedAuthorization = true)
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "oidc-provider");
        if (!File.Exists(Path.Combine(directory, "node_modules", "oidc-provider", "package.json")))
        {
            throw new InvalidOperationException($"The test OpenID provider is not installed in {directory}: run the tests with scripts/test.sh "
                + "(it runs 'npm ci' there).");
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DASHBOARD_NODE") ?? "node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "provider.js", "--console", console.GetLeftPart(UriPartial.Authority), "--token-ttl", ((int)tokenLifetime.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        if (!pushedAuthorization)
        {
            start.ArgumentList.Add("--no-par");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(BrowserFixture.Patience));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    // Keep draining stdout so the provider never blocks on a full pipe.
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return new TestOidcProvider(process, new Uri(line["ready ".Length..]), log);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(CancellationToken.None);
        lock (log)
        {
            throw new InvalidOperationException($"The test OpenID provider did not start: {log}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Dashboard.sln above {AppContext.BaseDirectory}");
    }
}
