using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// The one entry point for every write an operator (or the deploy gate) makes. Each execution checks the actor's
/// permission, makes the change with race guards inside its statements, and appends the audit entry, all in one
/// transaction: either both are committed or neither.
/// </summary>
public interface IOperatorActions
{
    /// <summary>Describes what <paramref name="action"/> would change now, with the statements the execution runs. Reads only; writes no audit entry.</summary>
    /// <exception cref="ArgumentException">The action is malformed (e.g. an empty kind).</exception>
    Task<ActionPreview> PreviewAsync(OperatorAction action, CancellationToken ct);

    /// <summary>
    /// Carries out <paramref name="action"/> for <paramref name="actor"/> and records it, whatever the outcome
    /// (applied, no change, refused because the state moved on, denied for lack of permission).
    /// A repeated <paramref name="idempotencyKey"/> returns the first execution's result without applying again, also
    /// when both executions run at the same time.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The reason is empty after trimming and removing control characters, or longer than
    /// <see cref="OperatorActions.MaxReasonLength"/>; the idempotency key is empty or too long, or was used before for a
    /// different action; or the action is malformed. Nothing is changed or recorded.
    /// </exception>
    Task<ActionResult> ExecuteAsync(OperatorAction action, Actor actor, string reason, string idempotencyKey, CancellationToken ct);

    /// <summary>
    /// Resumes every kind whose pause has expired, each through <see cref="ExecuteAsync"/> as the
    /// <see cref="OperatorActions.SystemActor"/>. Safe to call from several app instances at once: each expired
    /// pause is lifted once. Returns one result per expired pause found.
    /// </summary>
    Task<IReadOnlyList<ActionResult>> ExpirePausesAsync(CancellationToken ct);
}
