using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dashboard.Testing;

/// <summary>
/// The console (<c>Dashboard.Server.dll</c>, built in Release) as its own process on 127.0.0.1, so that its memory is
/// its own: settings come in through the environment, the way a deployment passes them.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 40;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private bool _disposed;

    private ConsoleProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    /// <summary>The Release build of the standalone console next to this repository's solution file.</summary>
    public static string? FindBuiltApp()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", "Dashboard.Server", "bin", "Release", "net10.0", "Dashboard.Server.dll");
                return File.Exists(dll) ? dll : null;
            }
        }

        return null;
    }

    /// <summary>The Release build of <c>samples/HostWithConsole</c>, an application that mounts the console.</summary>
    public static string? FindBuiltSample()
    {
        var app = FindBuiltApp();
        if (app is null)
        {
            return null;
        }

        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(app)!, "..", "..", "..", "..", ".."));
        var dll = Path.Combine(root, "samples", "HostWithConsole", "bin", "Release", "net10.0", "HostWithConsole.dll");
        return File.Exists(dll) ? dll : null;
    }

    /// <summary>Starts <paramref name="appDll"/> and waits until <paramref name="probe"/> (relative to its root) answers 200.</summary>
    public static async Task<ConsoleProcess> StartAsync(string appDll, IReadOnlyDictionary<string, string> environment, string probe = "signin")
    {
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(appDll))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.GetFullPath(appDll));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var app = new ConsoleProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => app.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => app.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        // A deadline that only catches a console that never starts: on a busy 2-core machine a start takes minutes.
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (process.HasExited)
            {
                break;
            }

            try
            {
                using var response = await http.GetAsync(new Uri(probe, UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return app;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        var output = app.RecentOutput();
        await app.DisposeAsync();
        throw new InvalidOperationException($"The console did not come up at {baseAddress}:\n{output}");
    }

    /// <summary>Resident set size of the process (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("VmRSS not found");
    }

    /// <summary>The median of several readings of <see cref="ResidentBytes"/>, one per <paramref name="spacing"/>.</summary>
    public async Task<long> ResidentMedianAsync(int readings, TimeSpan spacing)
    {
        var values = new List<long>();
        for (var i = 0; i < readings; i++)
        {
            values.Add(ResidentBytes());
            await Task.Delay(spacing);
        }

        values.Sort();
        return values[values.Count / 2];
    }

    public string RecentOutput() => string.Join('\n', _output);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await KillAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptOutputLines)
        {
            _output.TryDequeue(out _);
        }
    }

    /// <summary>Stops the process the hard way (SIGKILL), as a crashed or killed instance stops.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
