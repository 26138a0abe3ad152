namespace Dashboard.Core.Actions;

/// <summary>
/// What <see cref="IOperatorActions.ExecuteAsync"/> did. <see cref="Message"/> is meant for the operator ("job 42 is
/// now held by web-2:88"); <see cref="AuditSeq"/> is the entry that records it. <see cref="Replayed"/> is true when the
/// idempotency key had been used before: the result is the first execution's, and nothing was applied again.
/// </summary>
public sealed record ActionResult(ActionOutcome Outcome, string Message, int RowsAffected, long AuditSeq, bool Replayed);
