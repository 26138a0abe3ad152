namespace Dashboard.Web.Components.Shared;

/// <summary>The view a component last drew: whether a new one differs, compared by value (rows by reference).</summary>
public sealed class DrawnView
{
    private object? _drawn;

    /// <summary>True (and remembered) when <paramref name="view"/> differs from the one last drawn.</summary>
    public bool Changed(object view)
    {
        if (Equals(view, _drawn))
        {
            return false;
        }

        _drawn = view;
        return true;
    }

    /// <summary>The first drawing, which does not ask ShouldRender.</summary>
    public void First(object view) => _drawn ??= view;
}
