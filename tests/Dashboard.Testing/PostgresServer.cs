using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Dashboard.Testing;

/// <summary>
/// A private PostgreSQL cluster for tests that stop and restart the database: initdb in a temporary directory,
/// 127.0.0.1 on a free port, fsync off. <see cref="StopAsync"/> and <see cref="StartAsync"/> keep the port and the data
/// directory, so clients reconnect to the same address and find their data. Disposing stops it and deletes it.
/// Binaries come from <c>DASHBOARD_TEST_PG_BIN</c> (set by scripts/test.sh), else the newest /usr/lib/postgresql/*/bin.
/// As root, PostgreSQL's tools run as the <c>postgres</c> user, which owns the temporary directory.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string BinEnvironmentVariable = "DASHBOARD_TEST_PG_BIN";
    private const string ClusterUser = "postgres";

    private readonly string _root;
    private readonly string _binDir;
    private readonly bool _asClusterUser;
    private bool _disposed;

    private PostgresServer(string root, string binDir, bool asClusterUser)
    {
        _root = root;
        _binDir = binDir;
        _asClusterUser = asClusterUser;
    }

    public int Port { get; private set; }

    public bool IsRunning { get; private set; }

    public string DataDirectory => Path.Combine(_root, "data");

    public string LogFile => Path.Combine(_root, "postgres.log");

    /// <summary>A superuser connection string to the maintenance database.</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = ClusterUser,
    }.ConnectionString;

    /// <summary>Creates and starts a new cluster. Fails with PostgreSQL's own message when it cannot.</summary>
    public static async Task<PostgresServer> StartNewAsync(CancellationToken ct = default)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgresServer runs PostgreSQL's Unix tools.");
        }

        var binDir = FindBinDirectory();
        var asClusterUser = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), $"dashboard-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var server = new PostgresServer(root, binDir, asClusterUser);
        try
        {
            if (asClusterUser)
            {
                await RunAsync("chown", [$"{ClusterUser}:{ClusterUser}", root], ct);
            }

            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await server.RunToolAsync("initdb", ["-D", server.DataDirectory, "-U", ClusterUser, "-E", "UTF8", "--locale=C.UTF-8", "--auth=trust"], ct);
            // A port picked now may be taken by the time the server binds it; try a few.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort();
                await server.WriteSettingsAsync(ct);
                try
                {
                    await server.StartAsync(ct);
                    break;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                }
            }

            // Should a test run end without disposing (a crash, a cancelled run), don't leave a server behind.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopQuietly();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stopped server on the same port and data directory; returns once it accepts connections.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "start"], ct);
        IsRunning = true;
    }

    /// <summary>
    /// Stops the server the way an operator or a failover does ("fast": sessions are terminated, nothing waits for
    /// clients); returns once it is down.
    /// </summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], ct);
        IsRunning = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        if (IsRunning)
        {
            try
            {
                await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"], CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // Deleting the directory below still removes what can be removed.
            }
        }

        _disposed = true;
        IsRunning = false;
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void StopQuietly()
    {
        if (_disposed || !IsRunning)
        {
            return;
        }

        try
        {
            RunToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None).GetAwaiter().GetResult();
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
        }
    }

    private async Task WriteSettingsAsync(CancellationToken ct)
    {
        // In postgresql.auto.conf (read last), so a restart keeps the same address without repeating options.
        var settings = string.Join('\n',
            "listen_addresses = '127.0.0.1'",
            $"port = {Port.ToString(CultureInfo.InvariantCulture)}",
            $"unix_socket_directories = '{DataDirectory}'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 100",
            "");
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "postgresql.auto.conf"), settings, ct);
    }

    private Task RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var path = Path.Combine(_binDir, tool);
        // PostgreSQL refuses to run as root.
        return _asClusterUser
            ? RunAsync("runuser", ["-u", ClusterUser, "--", path, .. arguments], ct)
            : RunAsync(path, arguments, ct);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stderr}\n{await stdout}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The path of one of PostgreSQL's client or server programs (psql, pg_ctl, …), found as above.</summary>
    public static string ToolPath(string tool) => Path.Combine(FindBinDirectory(), tool);

    private static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable(BinEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(Path.Combine(configured, "pg_ctl"))
                ? configured
                : throw new InvalidOperationException($"{BinEnvironmentVariable}={configured} holds no pg_ctl.");
        }

        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Dir, "pg_ctl")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Dir)
                .FirstOrDefault()
            : null;
        return installed ?? throw new InvalidOperationException(
            $"PostgreSQL binaries not found: set {BinEnvironmentVariable} (scripts/test.sh does) or install PostgreSQL.");
    }
}
