using System.Runtime.CompilerServices;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// A table's click handlers, one per row and action, kept while the row is the same record. A row of the shared
/// snapshot keeps its identity while it does not change (<c>DashboardSnapshot.Reusing</c>), so when a table is drawn
/// again for one row's change, every other row's buttons keep their handlers: a new handler is a new event handler id
/// on the server, an edit in the message to the tab and a new binding in its browser, for every open tab and button.
/// </summary>
public sealed class RowHandlers<TRow>
    where TRow : class
{
    // More than a page's rows and actions; past it, the handlers of rows no longer shown are let go.
    private const int Keep = 256;

    private readonly Dictionary<(TRow Row, string Action), Func<Task>> _handlers = new(new ByRow());

    /// <summary>The handler for <paramref name="action"/> on <paramref name="row"/>: the one made before for the same record.</summary>
    public Func<Task> For(TRow row, string action, Func<TRow, Task> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (_handlers.TryGetValue((row, action), out var handler))
        {
            return handler;
        }

        if (_handlers.Count >= Keep)
        {
            _handlers.Clear();
        }

        handler = () => handle(row);
        _handlers[(row, action)] = handler;
        return handler;
    }

    // By the record's identity, not its value: the handler hands on the very row the operator saw.
    private sealed class ByRow : IEqualityComparer<(TRow Row, string Action)>
    {
        public bool Equals((TRow Row, string Action) x, (TRow Row, string Action) y) =>
            ReferenceEquals(x.Row, y.Row) && x.Action == y.Action;

        public int GetHashCode((TRow Row, string Action) obj) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(obj.Row), obj.Action);
    }
}
