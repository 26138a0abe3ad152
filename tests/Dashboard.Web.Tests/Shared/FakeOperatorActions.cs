using Dashboard.Core.Actions;
using Dashboard.Core.Security;
using Dashboard.Web.Auth;

namespace Dashboard.Web.Tests.Shared;

/// <summary>Records what the UI asks of the one write entry point and answers as told.</summary>
public sealed class FakeOperatorActions : IOperatorActions
{
    public List<(OperatorAction Action, Actor Actor, string Reason, string Key)> Executed { get; } = [];

    public ActionResult NextResult { get; set; } = new(ActionOutcome.Applied, "done", 1, 1, false);

    public Task<ActionPreview> PreviewAsync(OperatorAction action, CancellationToken ct) =>
        Task.FromResult(new ActionPreview(action, $"preview of {action.Name}", 3, [SqlStatement.Of("UPDATE jobs SET state = 'paused' WHERE kind = @Kind", new { Kind = action.Name })]));

    public Task<ActionResult> ExecuteAsync(OperatorAction action, Actor actor, string reason, string idempotencyKey, CancellationToken ct)
    {
        Executed.Add((action, actor, reason, idempotencyKey));
        return Task.FromResult(NextResult);
    }

    public Task<IReadOnlyList<ActionResult>> ExpirePausesAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<ActionResult>>([]);
}

public sealed class FakeCurrentActor : ICurrentActor
{
    public Actor? Actor { get; set; } = new("ops-alice", "local", "10.0.0.7", Roles.Operator);

    public string? ClientAddress { get; set; }

    public Task<Actor?> GetAsync() => Task.FromResult(Actor);
}
