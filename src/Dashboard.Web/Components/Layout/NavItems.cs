using Dashboard.Core.Security;

namespace Dashboard.Web.Components.Layout;

/// <summary>A page in the console's navigation; <see cref="Policy"/> hides it from roles that may not open it.</summary>
public sealed record NavItem(string Href, string Title, string? Policy = null, string? Icon = null)
{
    /// <summary>Used by the browser tests; "" (the overview) becomes "home".</summary>
    public string TestId => "nav-" + (Href.Length == 0 ? "home" : Href.Replace('/', '-'));
}

/// <summary>
/// Every page the navigation offers, in order. The app bar (wide screens) and the drawer (narrow screens) both
/// render this one list, and the browser tests check that every page route of the app is reachable from it.
/// </summary>
public static class NavItems
{
    public static IReadOnlyList<NavItem> All { get; } =
    [
        new("", "Overview", Icon: MudBlazor.Icons.Material.Filled.Dashboard),
        new("jobs", "Jobs", Icon: MudBlazor.Icons.Material.Filled.Search),
        new("drain", "Drain", Icon: MudBlazor.Icons.Material.Filled.HourglassBottom),
        new("alerts", "Alerts", Icon: MudBlazor.Icons.Material.Filled.NotificationsActive),
        new("audit", "Audit log", Permissions.ReadAudit, MudBlazor.Icons.Material.Filled.History),
    ];
}
