using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Dashboard.Testing;

/// <summary>
/// Debian's nginx (scripts/test.sh installs it) running the repository's documented load-balancer configuration,
/// <c>deploy/nginx/jobs-console.conf</c>, with its listen port and upstream servers pointed at the test's own.
/// Its access log records which upstream served each request.
/// </summary>
public sealed partial class NginxProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private NginxProcess(Process process, string dir, Uri baseAddress)
    {
        _process = process;
        _dir = dir;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<NginxProcess> StartAsync(IReadOnlyList<Uri> upstreams)
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx not found; scripts/test.sh installs Debian's nginx");
        var site = File.ReadAllText(RepositoryFile("deploy", "nginx", "jobs-console.conf"));
        var port = FreePort();
        site = ListenLine().Replace(site, $"listen 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)};", 1);
        var servers = string.Join("\n", upstreams.Select(u => $"    server {u.Host}:{u.Port.ToString(CultureInfo.InvariantCulture)} max_fails=1 fail_timeout=10s;"));
        site = ServerLines().Replace(site, servers);

        var dir = Directory.CreateTempSubdirectory("nginx-").FullName;
        File.WriteAllText(Path.Combine(dir, "site.conf"), site);
        var user = Environment.UserName == "root" ? "user root;\n" : "";
        File.WriteAllText(Path.Combine(dir, "nginx.conf"), $$"""
            {{user}}worker_processes 1;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log;
            events { worker_connections 1024; }
            http {
                log_format upstreams '$request_uri $upstream_addr $status';
                access_log {{dir}}/access.log upstreams;
                client_body_temp_path {{dir}}/body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                include {{dir}}/site.conf;
            }
            """);

        var start = new ProcessStartInfo(nginx) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in new[] { "-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start");
        var baseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var lb = new NginxProcess(process, dir, baseAddress);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited: {await process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return lb;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        await lb.DisposeAsync();
        throw new InvalidOperationException("nginx did not listen within 30 s");
    }

    /// <summary>The upstream (host:port) that served the newest request whose URI starts with <paramref name="prefix"/>.</summary>
    public string? LastUpstreamFor(string prefix)
    {
        var log = Path.Combine(_dir, "access.log");
        if (!File.Exists(log))
        {
            return null;
        }

        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        string? found = null;
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts.Length >= 3 && parts[0].StartsWith(prefix, StringComparison.Ordinal) && parts[1] != "-")
            {
                found = parts[1].Split(',')[^1].Trim();
            }
        }

        return found;
    }

    /// <summary>nginx's own error log, for failure messages.</summary>
    public string ErrorLog()
    {
        var log = Path.Combine(_dir, "error.log");
        var state = _process.HasExited ? $"nginx exited with {_process.ExitCode}" : "nginx is running";
        return File.Exists(log) ? $"{state}\n{File.ReadAllText(log)}" : state;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A file of this repository, found from the test's output folder upwards.</summary>
    public static string RepositoryFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
            {
                return Path.Combine([dir.FullName, .. parts]);
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"listen \d+;")]
    private static partial Regex ListenLine();

    [GeneratedRegex(@"(?m)^    server 127\.0\.0\.1:\d+ [^\n]*;(\n    server 127\.0\.0\.1:\d+ [^\n]*;)*")]
    private static partial Regex ServerLines();
}
