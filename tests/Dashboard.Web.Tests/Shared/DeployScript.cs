using System.Diagnostics;
using System.Text;

namespace Dashboard.Web.Tests.Shared;

/// <summary>
/// Runs scripts/deploy-example.sh as a real bash process, the way a deploy pipeline would. bash, curl and jq must be
/// installed (scripts/test.sh installs jq); without them the tests fail, naming what is missing.
/// </summary>
public sealed class DeployScript : IDisposable
{
    private static readonly TimeSpan _timeout = TimeSpan.FromMinutes(5);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Needle, TaskCompletionSource Seen)> _waits = [];

    private DeployScript(Process process) => _process = process;

    public static string Path { get; } = System.IO.Path.Combine(RepositoryRoot(), "scripts", "deploy-example.sh");

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the script with the given environment (on top of this process's) and arguments.</summary>
    public static DeployScript Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var missing = new[] { "bash", "curl", "jq" }.Where(tool => !OnPath(tool)).ToList();
        Assert.True(missing.Count == 0,
            $"The deploy script tests need {string.Join(", ", missing)} on PATH (apt-get install -y {string.Join(' ', missing)}).");

        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var script = new DeployScript(process);
        process.OutputDataReceived += (_, e) => script.Append(script._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => script.Append(script._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return script;
    }

    /// <summary>Runs the script to its end; returns its exit status.</summary>
    public static async Task<(int ExitCode, DeployScript Script)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var script = Start(environment, args);
        return (await script.WaitForExitAsync(), script);
    }

    /// <summary>Completes when the script has printed a line containing <paramref name="needle"/> on stdout.</summary>
    public async Task WaitForOutputAsync(string needle)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stdout)
        {
            if (_stdout.ToString().Contains(needle, StringComparison.Ordinal))
            {
                return;
            }

            _waits.Add((needle, seen));
        }

        using var timeout = new CancellationTokenSource(_timeout);
        var first = await Task.WhenAny(seen.Task, _process.WaitForExitAsync(timeout.Token));
        Assert.True(first == seen.Task, $"The script never printed '{needle}'.\n{this}");
    }

    /// <summary>Sends a signal the way `kill` would (bash's own builtin, so no other tool is needed).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { "-c", $"kill -{signal} {_process.Id}" } })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(_timeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"The deploy script did not finish within {_timeout.TotalSeconds}s.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        // The parameterless wait also drains the redirected output.
        await _process.WaitForExitAsync(CancellationToken.None);
        return _process.ExitCode;
    }

    public override string ToString() => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
            if (buffer != _stdout)
            {
                return;
            }

            var text = buffer.ToString();
            foreach (var wait in _waits.Where(w => text.Contains(w.Needle, StringComparison.Ordinal)).ToList())
            {
                _waits.Remove(wait);
                wait.Seen.SetResult();
            }
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(System.IO.Path.Combine(dir, tool)));

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Dashboard.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Dashboard.sln not found above the test binaries.");
    }
}
