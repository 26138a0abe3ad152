using Dapper;
using Dashboard.Core.Actions;
using Dashboard.Core.Security;
using Npgsql;

namespace Dashboard.Core.Audit;

/// <summary>One audit entry to append. Sequence number, time, and hashes are assigned by the database.</summary>
internal sealed record AuditRecord(
    Actor Actor,
    string Action,
    string? TargetKind,
    long? TargetJobId,
    string? TargetWorker,
    string Reason,
    string? BeforeJson,
    string? AfterJson,
    int RowsAffected,
    ActionOutcome Outcome,
    string Message,
    string? IdempotencyKey);

/// <summary>
/// Appends to the audit log inside the caller's transaction. The table's trigger numbers the entry, stamps it with
/// the database clock and chains its hash under a row lock on the chain head, so concurrent appends never fork.
/// </summary>
internal static class AuditLog
{
    private const string AppendSql = """
        INSERT INTO audit_log (actor, auth_method, source_address, action, target_kind, target_job_id, target_worker,
                               reason, before, after, rows_affected, outcome, idempotency_key)
        VALUES (@Actor, @AuthMethod, @SourceAddress, @Action, @TargetKind, @TargetJobId, @TargetWorker,
                @Reason, @Before::jsonb, @After::jsonb, @RowsAffected, @Outcome, @IdempotencyKey)
        RETURNING seq
        """;

    /// <summary>Appends the entry and returns its sequence number. Throws (and the caller's transaction must roll back) if it cannot.</summary>
    public static Task<long> AppendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, AuditRecord record, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(Statement(record).Command(tx, ct));

    /// <summary>The insert of <paramref name="record"/>, as executed and as shown in an action's preview.</summary>
    public static SqlStatement Statement(AuditRecord record) => SqlStatement.Of(
        AppendSql,
        new
        {
            Actor = record.Actor.Name,
            record.Actor.AuthMethod,
            record.Actor.SourceAddress,
            record.Action,
            record.TargetKind,
            record.TargetJobId,
            record.TargetWorker,
            record.Reason,
            Before = record.BeforeJson,
            After = record.AfterJson,
            record.RowsAffected,
            Outcome = ActionOutcomeCodes.Format(record.Outcome, record.Message),
            record.IdempotencyKey,
        });
}
