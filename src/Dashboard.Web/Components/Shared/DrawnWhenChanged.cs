using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// A component drawn again only when what it shows changed. A page draws its children at every change, and every open
/// tab is a circuit on this server: a child whose <see cref="View"/> equals the one it last drew costs nothing, neither
/// a render nor a message. Ages move in the browser, so the clock is not part of a view. Events handled inside the
/// component must change its view, or they draw nothing.
/// </summary>
public abstract class DrawnWhenChanged : ComponentBase
{
    private readonly DrawnView _drawn = new();

    /// <summary>What the markup depends on, compared by value: a tuple of the parameters that matter (rows by reference).</summary>
    protected abstract object View { get; }

    protected override bool ShouldRender() => _drawn.Changed(View);

    // The first drawing does not ask ShouldRender.
    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _drawn.First(View);
        }
    }
}
