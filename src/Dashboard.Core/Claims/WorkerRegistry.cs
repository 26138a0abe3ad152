using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Claims;

/// <summary>The states a worker reports in its <c>workers</c> row.</summary>
public static class WorkerStates
{
    public const string Running = "running";
    public const string Draining = "draining";
    public const string Stopped = "stopped";
}

/// <summary>How a worker presents itself in its <c>workers</c> row.</summary>
/// <param name="Id">The worker's identity, <c>host:pid</c> unless overridden; <c>jobs.leased_by</c> holds it.</param>
/// <param name="Host">The machine's name.</param>
/// <param name="Pid">The process id.</param>
/// <param name="Kinds">The kinds it runs.</param>
/// <param name="Concurrency">How many jobs it runs at once.</param>
public sealed record WorkerIdentity(string Id, string Host, int Pid, IReadOnlyList<string> Kinds, int Concurrency)
{
    /// <summary>The identity of this process: <c>host:pid</c>, or <paramref name="id"/> when given.</summary>
    public static WorkerIdentity ForThisProcess(IReadOnlyList<string> kinds, int concurrency, string? id = null) =>
        new(id ?? $"{Environment.MachineName}:{Environment.ProcessId}", Environment.MachineName, Environment.ProcessId, kinds, concurrency);
}

/// <summary>What the worker's heartbeat learned: whether it should claim.</summary>
/// <param name="DrainRequested">An operator asked this worker to drain (<c>workers.drain_requested</c>).</param>
/// <param name="Accepting">The queue's intake flag (<c>queue_control.accepting</c>).</param>
public sealed record WorkerSignals(bool DrainRequested, bool Accepting)
{
    /// <summary>True when the claim would return nothing: draining or intake paused.</summary>
    public bool ShouldDrain => DrainRequested || !Accepting;
}

/// <summary>
/// The worker's own row (docs/worker-contract.md, heartbeats): register, heartbeat, stop. The claim reads
/// <c>drain_requested</c> itself; the heartbeat returns it so the worker can report that it is draining.
/// </summary>
public sealed class WorkerRegistry(Db db)
{
    // A restart under the same id is a new start; an operator's drain request stays until resumed.
    private const string RegisterSql = """
        INSERT INTO workers (id, host, pid, state, kinds, concurrency, current_jobs, started_at, heartbeat_at, stopped_at)
        VALUES (@Id, @Host, @Pid, 'running', @Kinds, @Concurrency, 0, now(), now(), NULL)
        ON CONFLICT (id) DO UPDATE
        SET host = excluded.host, pid = excluded.pid, state = excluded.state, kinds = excluded.kinds,
            concurrency = excluded.concurrency, current_jobs = 0, started_at = now(), heartbeat_at = now(),
            stopped_at = NULL
        RETURNING drain_requested AS DrainRequested,
                  coalesce((SELECT q.accepting FROM queue_control q WHERE q.id), true) AS Accepting
        """;

    /// <summary>Inserts or resets the worker's row as <c>running</c>; returns the drain and intake flags.</summary>
    public async Task<WorkerSignals> RegisterAsync(WorkerIdentity worker, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(worker);
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleAsync<WorkerSignals>(new CommandDefinition(
            RegisterSql,
            new { worker.Id, worker.Host, worker.Pid, Kinds = worker.Kinds.ToArray(), worker.Concurrency },
            cancellationToken: ct));
    }

    // An upsert, so a row deleted by hand comes back with the next beat.
    private const string HeartbeatSql = """
        INSERT INTO workers (id, host, pid, state, kinds, concurrency, current_jobs, started_at, heartbeat_at)
        VALUES (@Id, @Host, @Pid, @State, @Kinds, @Concurrency, @CurrentJobs, now(), now())
        ON CONFLICT (id) DO UPDATE
        SET state = excluded.state, current_jobs = excluded.current_jobs, heartbeat_at = now(), stopped_at = NULL
        RETURNING drain_requested AS DrainRequested,
                  coalesce((SELECT q.accepting FROM queue_control q WHERE q.id), true) AS Accepting
        """;

    /// <summary>
    /// Upserts the worker's row with its state (<see cref="WorkerStates"/>) and how many jobs it holds; returns the
    /// drain and intake flags.
    /// </summary>
    public async Task<WorkerSignals> HeartbeatAsync(WorkerIdentity worker, string state, int currentJobs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentException.ThrowIfNullOrEmpty(state);
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleAsync<WorkerSignals>(new CommandDefinition(
            HeartbeatSql,
            new
            {
                worker.Id,
                worker.Host,
                worker.Pid,
                State = state,
                Kinds = worker.Kinds.ToArray(),
                worker.Concurrency,
                CurrentJobs = currentJobs,
            },
            cancellationToken: ct));
    }

    private const string MarkStoppedSql = """
        UPDATE workers
        SET state = 'stopped', current_jobs = 0, heartbeat_at = now(), stopped_at = now()
        WHERE id = @Id
        """;

    /// <summary>Marks the worker stopped (it holds no jobs any more).</summary>
    public async Task MarkStoppedAsync(string workerId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(MarkStoppedSql, new { Id = workerId }, cancellationToken: ct));
    }
}
