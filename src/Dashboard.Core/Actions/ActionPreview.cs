namespace Dashboard.Core.Actions;

/// <summary>
/// What an action would change if executed now, read without changing or locking anything.
/// <see cref="Summary"/> is a sentence for the confirmation dialog ("pauses kind `search.reindex` and parks its 1,204
/// queued jobs"); <see cref="RowsAffected"/> counts the rows it would write (0: it would be a no-change);
/// <see cref="Sql"/> is the equivalent SQL, shown for transparency and never executed.
/// The state may move on before execution; execution re-checks it inside its own statements.
/// </summary>
public sealed record ActionPreview(OperatorAction Action, string Summary, long RowsAffected, string Sql)
{
    public bool WouldChange => RowsAffected > 0;
}
