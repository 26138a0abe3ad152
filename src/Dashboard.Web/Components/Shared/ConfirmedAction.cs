using Dashboard.Core.Actions;

namespace Dashboard.Web.Components.Shared;

/// <summary>What the confirmation dialog hands back: the action, the operator's reason, and the key of this intent.</summary>
public sealed record ConfirmedAction(OperatorAction Action, string Reason, string IdempotencyKey);
