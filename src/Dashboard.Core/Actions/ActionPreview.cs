using System.Text;
using Dashboard.Core.Audit;
using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// What an action would change if executed now, read without changing or locking anything.
/// <see cref="Summary"/> is a sentence for the confirmation dialog ("pauses kind `search.reindex` and parks its 1,204
/// queued jobs"); <see cref="RowsAffected"/> counts the rows it would write (0: it would be a no-change);
/// <see cref="Statements"/> are the statements the execution runs for the state read now, the very objects it executes.
/// <see cref="SqlFor"/> renders them as one transaction that can be pasted into psql.
/// The state may move on before execution; execution re-checks it inside its own statements.
/// </summary>
public sealed record ActionPreview(OperatorAction Action, string Summary, long RowsAffected, IReadOnlyList<SqlStatement> Statements)
{
    public bool WouldChange => RowsAffected > 0;

    /// <summary>The outcome the execution would record for the state read now.</summary>
    public ActionOutcome Outcome { get; init; } = RowsAffected > 0 ? ActionOutcome.Applied : ActionOutcome.NoChange;

    /// <summary>The kind the audit entry would name when it is not the action's own (a lease's job's kind).</summary>
    internal string? TargetKind { get; init; }

    /// <summary>
    /// The transaction the execution runs for <paramref name="actor"/> with <paramref name="reason"/> (cleaned as the
    /// execution cleans it), with every value as a quoted literal: the guarded statements, then the audit entry as
    /// inserted. The entry's before/after JSON is built by the console from the rows its statements return, so it is
    /// shown as NULL; pasting the text into psql makes the same change and appends an entry otherwise alike.
    /// An actor without the permission gets only the audit entry of a denied attempt.
    /// </summary>
    public string SqlFor(Actor actor, string reason)
    {
        ArgumentNullException.ThrowIfNull(actor);
        string clean;
        try
        {
            clean = OperatorActions.NormalizeReason(reason);
        }
        catch (ArgumentException)
        {
            clean = reason ?? "";
        }

        var allowed = actor.Can(Action.Permission);
        var statements = allowed ? Statements : [];
        var audit = AuditLog.Statement(new AuditRecord(
            actor,
            Action.Name,
            TargetKind ?? Action.TargetKind,
            Action.TargetJobId,
            Action.TargetWorker,
            clean,
            null,
            null,
            allowed ? checked((int)RowsAffected) : 0,
            allowed ? Outcome : ActionOutcome.Denied,
            allowed ? Summary : ActionText.Denied(actor, Action),
            null));

        var sql = new StringBuilder();
        sql.AppendLine("BEGIN;");
        sql.AppendLine(OperatorActions.BeginStatement.Render());
        foreach (var statement in statements)
        {
            sql.AppendLine(statement.Bind(actor.Name, clean).Render());
        }

        sql.AppendLine(audit.Render());
        sql.Append("COMMIT;");
        return sql.ToString();
    }
}
