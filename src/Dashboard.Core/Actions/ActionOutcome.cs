namespace Dashboard.Core.Actions;

/// <summary>What an executed action did. Every outcome, including <see cref="Denied"/>, is recorded in the audit log.</summary>
public enum ActionOutcome
{
    /// <summary>The change was made and committed together with its audit entry.</summary>
    Applied,

    /// <summary>The state already was what the action asks for (e.g. resuming a kind that is not paused).</summary>
    NoChange,

    /// <summary>The state moved on since the operator looked (e.g. the lease has a new holder); nothing changed.</summary>
    Refused,

    /// <summary>The actor lacks the action's permission; nothing changed.</summary>
    Denied,
}

/// <summary>
/// The outcome's code as stored at the start of <c>audit_log.outcome</c>: <c>applied</c>, <c>no_change</c>,
/// <c>refused</c> or <c>denied</c>, followed by <c>": "</c> and the message shown to the operator.
/// </summary>
public static class ActionOutcomeCodes
{
    public const string Applied = "applied";
    public const string NoChange = "no_change";
    public const string Refused = "refused";
    public const string Denied = "denied";

    /// <summary>The stored code of an outcome.</summary>
    public static string ToCode(ActionOutcome outcome) => outcome switch
    {
        ActionOutcome.Applied => Applied,
        ActionOutcome.NoChange => NoChange,
        ActionOutcome.Refused => Refused,
        ActionOutcome.Denied => Denied,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>The outcome of a stored code; null for text not written by <see cref="IOperatorActions"/>.</summary>
    public static ActionOutcome? FromCode(string? code) => code switch
    {
        Applied => ActionOutcome.Applied,
        NoChange => ActionOutcome.NoChange,
        Refused => ActionOutcome.Refused,
        Denied => ActionOutcome.Denied,
        _ => null,
    };

    /// <summary>The text stored in <c>audit_log.outcome</c>: <c>code: message</c>.</summary>
    public static string Format(ActionOutcome outcome, string message) => $"{ToCode(outcome)}: {message}";

    /// <summary>Splits stored outcome text into its code and message (the message is empty when there is none).</summary>
    public static (string Code, string Message) Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (text, "") : (text[..colon], text[(colon + 1)..].TrimStart());
    }
}
