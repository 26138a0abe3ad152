using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// An operator's intent, carried out only by <see cref="IOperatorActions.ExecuteAsync"/>. Each action is one unit: its
/// name and permission, what it targets, its preview (what would change, built from the statements it runs) and its
/// guarded change (which also shapes the audit entry's before/after). The choke point (<see cref="OperatorActions"/>)
/// runs every unit the same way: reason cleaning, idempotency, permission check, change and audit entry in one
/// transaction. The set is closed: only Core defines actions (see docs/operator-actions.md, "Adding an action").
/// </summary>
public abstract record OperatorAction
{
    /// <summary>Longest kind or worker id an action accepts (longer ones cannot be indexed, so no job has them).</summary>
    public const int MaxNameLength = 1000;

    private protected OperatorAction()
    {
    }

    /// <summary>The action's name as recorded in <c>audit_log.action</c>, e.g. <c>pause_kind</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The named permission (see <see cref="Permissions"/>) the actor needs.</summary>
    public abstract string Permission { get; }

    internal virtual string? TargetKind => null;

    internal virtual long? TargetJobId => null;

    internal virtual string? TargetWorker => null;

    /// <summary>Throws <see cref="ArgumentException"/> when the action cannot be carried out as written.</summary>
    internal virtual void Validate()
    {
    }

    /// <summary>Throws <see cref="ArgumentException"/> when the action cannot be executed now (e.g. an expiry in the past).</summary>
    internal virtual void ValidateExecution()
    {
    }

    /// <summary>
    /// Reads what the action would change now (inside a read-only transaction) and returns the statements
    /// <see cref="ApplyAsync"/> would run for that state, with the actor and reason left unbound.
    /// </summary>
    internal abstract Task<ActionPreview> PreviewAsync(ActionReader reader);

    /// <summary>Makes the guarded change inside the choke point's transaction; the permission was checked already.</summary>
    internal abstract Task<Change> ApplyAsync(ActionContext context);

    private protected static void RequireName(string? value, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("A value is required.", parameter);
        }

        if (value.Length > MaxNameLength)
        {
            throw new ArgumentException($"At most {MaxNameLength} characters are allowed.", parameter);
        }
    }
}
