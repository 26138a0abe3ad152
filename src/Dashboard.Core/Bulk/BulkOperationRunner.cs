using System.Diagnostics;
using Dapper;
using Dashboard.Core.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Core.Bulk;

/// <summary>
/// Works through running bulk operations in the background, chunk by chunk. Every console instance runs one, but a
/// given operation is run by one instance at a time: the runner holds a session advisory lock on the operation while it
/// works on it, on the connection its chunks run on. When that instance stops or dies, the lock goes with its
/// connection and any instance (or the same one after a restart) resumes at the last committed chunk.
/// </summary>
public sealed class BulkOperationRunner(Db db, IOptions<DashboardOptions> options, ILogger<BulkOperationRunner> logger) : BackgroundService
{
    // Advisory-lock namespace of bulk operations (the second number is the operation's id).
    private const int LockSpace = 7313;

    private const string ListRunningSql = "SELECT id FROM bulk_operations WHERE state = 'running' ORDER BY id";

    private readonly HashSet<long> _started = [];

    /// <summary>Runs inside each chunk's transaction, after its change and before its commit (tests kill the console there).</summary>
    internal Func<CancellationToken, Task>? BeforeChunkCommitForTesting { get; set; }

    /// <summary>Runs after each chunk that left more to do, before the next one starts.</summary>
    internal Func<CancellationToken, Task>? AfterChunkCommitForTesting { get; set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Bulk;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunPendingAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && DatabaseErrors.IsUnavailable(ex))
            {
                logger.LogWarning("Bulk operations wait for the database: {Message}", DatabaseErrors.Describe(ex));
            }

            try
            {
                await Task.Delay(settings.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs every running operation this instance can lock, each to its end (or cancellation). Returns how many it ran.</summary>
    public async Task<int> RunPendingAsync(CancellationToken ct)
    {
        List<long> ids;
        await using (var conn = await db.OpenAsync(ct))
        {
            ids = [.. await conn.QueryAsync<long>(new CommandDefinition(ListRunningSql, cancellationToken: ct))];
        }

        var ran = 0;
        foreach (var id in ids)
        {
            if (await TryRunAsync(id, ct))
            {
                ran++;
            }
        }

        return ran;
    }

    private async Task<bool> TryRunAsync(long id, CancellationToken ct)
    {
        var settings = options.Value.Bulk;
        await using var conn = await db.OpenAsync(ct);
        var locked = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_lock(@Space, @Id)", new { Space = LockSpace, Id = (int)id }, cancellationToken: ct));
        if (!locked)
        {
            return false; // another instance runs it
        }

        try
        {
            // A restart (or another instance taking over) is told in the audit log, with how far it had got.
            var resumed = _started.Add(id) && await HasProgressAsync(conn, id, ct);
            var chunkStarted = Stopwatch.GetTimestamp();
            while (await RunChunkAsync(conn, id, settings.ChunkSize, resumed, ct))
            {
                var chunkTook = Stopwatch.GetElapsedTime(chunkStarted);
                resumed = false;
                if (AfterChunkCommitForTesting is { } after)
                {
                    await after(ct);
                }

                var pause = TimeSpan.FromTicks(Math.Max(settings.ChunkPause.Ticks, (long)(chunkTook.Ticks * settings.ChunkPauseFactor)));
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, ct);
                }

                chunkStarted = Stopwatch.GetTimestamp();
            }
        }
        finally
        {
            if (conn.State == System.Data.ConnectionState.Open && !ct.IsCancellationRequested)
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_advisory_unlock(@Space, @Id)", new { Space = LockSpace, Id = (int)id }, cancellationToken: CancellationToken.None));
            }
        }

        return true;
    }

    private async Task<bool> RunChunkAsync(NpgsqlConnection conn, long id, int chunkSize, bool resumed, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await BulkChunks.RunOneAsync(conn, id, chunkSize, resumed, BeforeChunkCommitForTesting, ct);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
                // A row of the chunk was held by someone else for a while: try the chunk again shortly.
                logger.LogInformation("Bulk operation {Id}: chunk retried ({Message})", id, ex.MessageText);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
            }
            catch (PostgresException ex) when (!ex.IsTransient && conn.State == System.Data.ConnectionState.Open)
            {
                logger.LogError("Bulk operation {Id} failed: {Message}", id, ex.MessageText);
                await BulkChunks.FailAsync(conn, id, ex.MessageText, ct);
                return false;
            }
        }
    }

    private static Task<bool> HasProgressAsync(NpgsqlConnection conn, long id, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT chunks > 0 FROM bulk_operations WHERE id = @Id", new { Id = id }, cancellationToken: ct));
}
