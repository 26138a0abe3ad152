using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Dashboard.Worker.Tests;

/// <summary>The real <c>dashboard-demo</c> worker process, started against a test database.</summary>
public sealed class DemoProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DemoProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The worker's identity: <c>host:pid</c>, as it appears in <c>jobs.leased_by</c>.</summary>
    public string WorkerId => $"{Environment.MachineName}:{_process.Id}";

    public Process Process => _process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the demo with no enqueuing and fast polling; <paramref name="settings"/> adds environment settings.</summary>
    public static DemoProcess Start(string connectionString, params (string Key, string Value)[] settings)
    {
        var dll = typeof(DemoProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "DemoAssembly").Value!;
        Assert.True(File.Exists(dll), $"The demo worker is not built at {dll}.");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__Jobs"] = connectionString;
        start.Environment["Demo__EnqueuePerSecond"] = "0";
        start.Environment["Worker__PollInterval"] = "00:00:00.050";
        start.Environment["Worker__MaxPollInterval"] = "00:00:00.200";
        start.Environment["Worker__HeartbeatInterval"] = "00:00:00.500";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        return new DemoProcess(Process.Start(start)!);
    }

    /// <summary>Sends SIGTERM, as systemd or Kubernetes does to stop a service.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The demo worker did not exit within {timeout}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
