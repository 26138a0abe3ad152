using Dashboard.Core.Actions;

namespace Dashboard.Core.Audit;

/// <summary>
/// One audit log entry, every column. <see cref="At"/> is the database clock at append time; <see cref="Before"/> and
/// <see cref="After"/> are JSON text (or null); <see cref="Outcome"/> is the stored text <c>code: message</c>;
/// <see cref="PrevHash"/> and <see cref="Hash"/> are lowercase hex. All strings are data, to be shown as text.
/// </summary>
public sealed record AuditEntry(
    long Seq,
    DateTimeOffset At,
    string Actor,
    string AuthMethod,
    string? SourceAddress,
    string Action,
    string? TargetKind,
    long? TargetJobId,
    string? TargetWorker,
    string Reason,
    string? Before,
    string? After,
    int RowsAffected,
    string Outcome,
    string? IdempotencyKey,
    string PrevHash,
    string Hash)
{
    /// <summary>The outcome's code (<c>applied</c>, <c>no_change</c>, <c>refused</c>, <c>denied</c>).</summary>
    public string OutcomeCode => ActionOutcomeCodes.Split(Outcome).Code;

    /// <summary>The message after the code, as the operator was shown it.</summary>
    public string OutcomeMessage => ActionOutcomeCodes.Split(Outcome).Message;
}
