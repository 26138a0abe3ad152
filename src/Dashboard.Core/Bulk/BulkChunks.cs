using System.Data;
using Dapper;
using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Core.Jobs;
using Dashboard.Core.Security;
using Npgsql;

namespace Dashboard.Core.Bulk;

/// <summary>
/// One chunk of a bulk operation, in one short transaction: lock the operation's row, change up to a chunk of matching
/// jobs after its cursor (locking only those rows), advance the cursor and the count, and append a progress entry at
/// each tenth and at the end. A crash before the commit leaves neither the chunk nor its progress: the next run
/// starts again at the committed cursor, so every job is changed at most once.
/// </summary>
internal static class BulkChunks
{
    public const int DefaultChunkSize = 1000;

    public static string ActionName(JobTransitions.Kind kind) => kind switch
    {
        JobTransitions.Kind.Retry => "retry",
        JobTransitions.Kind.Discard => "discard",
        _ => "run_now",
    };

    public static JobTransitions.Kind TransitionOf(string action) => action switch
    {
        "retry" => JobTransitions.Kind.Retry,
        "discard" => JobTransitions.Kind.Discard,
        "run_now" => JobTransitions.Kind.RunNow,
        _ => throw new InvalidOperationException($"Unknown bulk action '{action}'."),
    };

    private const string LockSql = """
        SELECT id AS Id, action AS Action, filter::text AS Filter, filter_text AS FilterText, state AS State,
               expected AS Expected, upper_id AS UpperId, cursor_id AS CursorId, changed AS Changed, chunks AS Chunks,
               actor AS Actor, reason AS Reason, cancel_requested AS CancelRequested, cancelled_by AS CancelledBy
        FROM bulk_operations
        WHERE id = @Id
        FOR UPDATE
        """;

    // Keyset over the jobs that existed when the operation started; the rule is re-checked under each row's lock.
    private static string ChunkSql(JobTransitions.Kind kind, string where) => $"""
        WITH chunk AS (
            SELECT j.id FROM jobs j
            WHERE {where}
              AND {JobTransitions.Guard(kind)}
              AND j.id > @CursorId AND j.id <= @UpperId
            ORDER BY j.id
            LIMIT @ChunkSize
            FOR UPDATE OF j
        ), changed AS (
            UPDATE jobs j SET {JobTransitions.Set(kind)}
            FROM chunk c
            WHERE j.id = c.id AND {JobTransitions.Guard(kind)}
            RETURNING j.id
        )
        SELECT (SELECT max(id) FROM chunk) AS LastId, (SELECT count(*) FROM changed) AS Changed
        """;

    private const string AdvanceSql = """
        UPDATE bulk_operations
        SET cursor_id = @CursorId, changed = changed + @Changed, chunks = chunks + 1, updated_at = now()
        WHERE id = @Id
        """;

    private const string FinishSql = """
        UPDATE bulk_operations
        SET state = @State, error = @Error, finished_at = now(), updated_at = now()
        WHERE id = @Id AND state = 'running'
        """;

    /// <summary>Runs one chunk of operation <paramref name="id"/> on <paramref name="conn"/>. Returns whether more remain.</summary>
    public static async Task<bool> RunOneAsync(
        NpgsqlConnection conn, long id, int chunkSize, bool resumed, Func<CancellationToken, Task>? beforeCommit, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await conn.ExecuteAsync(new CommandDefinition("SET LOCAL lock_timeout = '5s'", transaction: tx, cancellationToken: ct));
        var op = await conn.QuerySingleOrDefaultAsync<OperationRow>(new CommandDefinition(LockSql, new { Id = id }, tx, cancellationToken: ct));
        if (op is null || op.State != BulkOperation.Running)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        var verb = JobTransitions.Verb(TransitionOf(op.Action));
        if (resumed)
        {
            await AppendAsync(conn, tx, op, ActionOutcome.Applied, $"bulk operation {op.Id} resumed after a console restart at {ActionText.Count(op.Changed)} of {ActionText.Jobs(op.Expected)}", 0, $"resume:{op.Chunks}:{Guid.NewGuid():N}", ct);
        }

        if (op.CancelRequested)
        {
            await FinishAsync(conn, tx, op, BulkOperation.Cancelled, null, ct);
            await AppendAsync(conn, tx, op, ActionOutcome.Applied,
                $"bulk operation {op.Id} cancelled by {op.CancelledBy ?? "someone"}: {verb} applied to {ActionText.Jobs(op.Changed)} of {ActionText.Count(op.Expected)}; the rest is unchanged",
                0, "cancelled", ct);
            await tx.CommitAsync(ct);
            return false;
        }

        var filter = JobFilter.FromJson(op.Filter);
        var (where, values) = JobQueries.Where(filter);
        var parameters = new DynamicParameters();
        foreach (var (name, value) in values)
        {
            parameters.Add(name, value);
        }

        parameters.Add("CursorId", op.CursorId);
        parameters.Add("UpperId", op.UpperId);
        parameters.Add("ChunkSize", chunkSize);
        var chunk = await conn.QuerySingleAsync<ChunkRow>(new CommandDefinition(
            ChunkSql(TransitionOf(op.Action), where), parameters, tx, cancellationToken: ct));
        if (chunk.LastId is null)
        {
            await FinishAsync(conn, tx, op, BulkOperation.Completed, null, ct);
            await AppendAsync(conn, tx, op, ActionOutcome.Applied,
                $"bulk operation {op.Id} completed: {verb} applied to {ActionText.Jobs(op.Changed)} ({ActionText.Count(op.Expected)} matched when it started) in {ActionText.Count(op.Chunks)} chunks",
                0, "completed", ct);
            await tx.CommitAsync(ct);
            return false;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            AdvanceSql, new { Id = id, CursorId = chunk.LastId, Changed = chunk.Changed }, tx, cancellationToken: ct));
        var done = op.Changed + chunk.Changed;
        if (op.Expected > 0 && Tenths(done, op.Expected) > Tenths(op.Changed, op.Expected))
        {
            await AppendAsync(conn, tx, op, ActionOutcome.Applied,
                $"bulk operation {op.Id}: {verb} applied to {ActionText.Count(done)} of {ActionText.Jobs(op.Expected)}",
                (int)chunk.Changed, $"progress:{op.Chunks + 1}", ct);
        }

        if (beforeCommit is not null)
        {
            await beforeCommit(ct);
        }

        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Marks an operation failed (its own transaction) with the reason, and audits it.</summary>
    public static async Task FailAsync(NpgsqlConnection conn, long id, string error, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        var op = await conn.QuerySingleOrDefaultAsync<OperationRow>(new CommandDefinition(LockSql, new { Id = id }, tx, cancellationToken: ct));
        if (op is { State: BulkOperation.Running })
        {
            await FinishAsync(conn, tx, op, BulkOperation.Failed, error, ct);
            await AppendAsync(conn, tx, op, ActionOutcome.Refused,
                $"bulk operation {op.Id} stopped after {ActionText.Count(op.Changed)} of {ActionText.Jobs(op.Expected)}: {error}", 0, "failed", ct);
        }

        await tx.CommitAsync(ct);
    }

    private static int Tenths(long done, long expected) => (int)Math.Min(10, done * 10 / expected);

    private static Task<int> FinishAsync(NpgsqlConnection conn, NpgsqlTransaction tx, OperationRow op, string state, string? error, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(FinishSql, new { op.Id, State = state, Error = error }, tx, cancellationToken: ct));

    // Progress is the console carrying on the operator's intent: the operator's name, signed in as "system".
    private static Task<long> AppendAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, OperationRow op, ActionOutcome outcome, string message, int rows, string key, CancellationToken ct) =>
        AuditLog.AppendAsync(conn, tx, new AuditRecord(
            new Actor(op.Actor, "system", null, Roles.Admin),
            "bulk_progress",
            JobFilter.FromJson(op.Filter).Kind,
            null,
            null,
            op.Reason,
            null,
            ActionText.Json(new { OperationId = op.Id, op.Action, Filter = op.FilterText, op.Expected, Changed = op.Changed }),
            rows,
            outcome,
            message,
            $"bulk:{op.Id}:{key}"), ct);

    private sealed class OperationRow
    {
        public long Id { get; init; }
        public string Action { get; init; } = "";
        public string Filter { get; init; } = "{}";
        public string FilterText { get; init; } = "";
        public string State { get; init; } = "";
        public long Expected { get; init; }
        public long UpperId { get; init; }
        public long CursorId { get; init; }
        public long Changed { get; init; }
        public int Chunks { get; init; }
        public string Actor { get; init; } = "";
        public string Reason { get; init; } = "";
        public bool CancelRequested { get; init; }
        public string? CancelledBy { get; init; }
    }

    private sealed class ChunkRow
    {
        public long? LastId { get; init; }
        public long Changed { get; init; }
    }
}
