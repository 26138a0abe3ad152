using System.Globalization;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>
/// The CPU time PostgreSQL spends for one database, read from <c>/proc</c> (the benchmark runs on the database's
/// machine): user plus system time of the database's client backends (not the measuring connection), plus what the
/// postmaster collects from children that exit in the window (parallel workers, closed connections). Unlike
/// <c>pg_stat_statements</c>' execution time, it does not count the time a statement waits for a CPU, so it holds
/// on a loaded machine. Null where <c>/proc</c> cannot be read (another machine, another user).
/// </summary>
internal sealed class PostgresCpu
{
    // Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every common configuration.
    private const double MillisecondsPerTick = 10;

    private readonly NpgsqlConnection _conn;
    private readonly int _postmaster;
    private readonly Dictionary<int, long> _backends;
    private readonly long _children;

    private PostgresCpu(NpgsqlConnection conn, int postmaster, Dictionary<int, long> backends, long children)
    {
        _conn = conn;
        _postmaster = postmaster;
        _backends = backends;
        _children = children;
    }

    public static async Task<PostgresCpu?> StartAsync(NpgsqlConnection conn)
    {
        var own = await BackendsAsync(conn, self: true);
        if (own.Count != 1 || Read(own[0]) is not { } stat)
        {
            return null;
        }

        var postmaster = int.Parse(stat[3], CultureInfo.InvariantCulture);
        if (Read(postmaster) is not { } parent)
        {
            return null;
        }

        var backends = new Dictionary<int, long>();
        foreach (var pid in await BackendsAsync(conn, self: false))
        {
            if (Read(pid) is { } s)
            {
                backends[pid] = Ticks(s, 13) + Ticks(s, 14);
            }
        }

        return new PostgresCpu(conn, postmaster, backends, Ticks(parent, 15) + Ticks(parent, 16));
    }

    /// <summary>Milliseconds of CPU spent since <see cref="StartAsync"/>.</summary>
    public async Task<double> ElapsedAsync()
    {
        long ticks = 0;
        foreach (var pid in await BackendsAsync(_conn, self: false))
        {
            if (Read(pid) is { } s)
            {
                ticks += Ticks(s, 13) + Ticks(s, 14) - _backends.GetValueOrDefault(pid);
            }
        }

        if (Read(_postmaster) is { } parent)
        {
            ticks += Ticks(parent, 15) + Ticks(parent, 16) - _children;
        }

        return ticks * MillisecondsPerTick;
    }

    private static async Task<List<int>> BackendsAsync(NpgsqlConnection conn, bool self)
    {
        await using var cmd = new NpgsqlCommand(self
            ? "SELECT pg_backend_pid()"
            : "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()", conn);
        var pids = new List<int>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }

        return pids;
    }

    // The fields of /proc/<pid>/stat after the command name (which may contain spaces), numbered from 0 = pid.
    private static string[]? Read(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return [pid.ToString(CultureInfo.InvariantCulture), "", .. rest];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Ticks(string[] stat, int field) => long.Parse(stat[field], CultureInfo.InvariantCulture);
}
