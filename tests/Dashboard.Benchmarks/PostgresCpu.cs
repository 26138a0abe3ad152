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
    private readonly NpgsqlConnection _conn;
    private readonly int _postmaster;
    private readonly Dictionary<int, double> _backends;
    private readonly double _children;

    private PostgresCpu(NpgsqlConnection conn, int postmaster, Dictionary<int, double> backends, double children)
    {
        _conn = conn;
        _postmaster = postmaster;
        _backends = backends;
        _children = children;
    }

    public static async Task<PostgresCpu?> StartAsync(NpgsqlConnection conn)
    {
        var own = await BackendsAsync(conn, self: true);
        if (own.Count != 1 || ProcessCpu.Read(own[0]) is not { } stat)
        {
            return null;
        }

        var postmaster = (int)stat.Field(ProcessStat.ParentPid);
        if (ProcessCpu.Read(postmaster) is not { } parent)
        {
            return null;
        }

        var backends = new Dictionary<int, double>();
        foreach (var pid in await BackendsAsync(conn, self: false))
        {
            if (ProcessCpu.Read(pid) is { } s)
            {
                backends[pid] = s.OwnMilliseconds;
            }
        }

        return new PostgresCpu(conn, postmaster, backends, parent.ChildrenMilliseconds);
    }

    /// <summary>Milliseconds of CPU spent since <see cref="StartAsync"/>.</summary>
    public async Task<double> ElapsedAsync()
    {
        double spent = 0;
        foreach (var pid in await BackendsAsync(_conn, self: false))
        {
            if (ProcessCpu.Read(pid) is { } s)
            {
                spent += s.OwnMilliseconds - _backends.GetValueOrDefault(pid);
            }
        }

        if (ProcessCpu.Read(_postmaster) is { } parent)
        {
            spent += parent.ChildrenMilliseconds - _children;
        }

        return spent;
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
}
