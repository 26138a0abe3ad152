using Dashboard.Core.Security;
using Microsoft.AspNetCore.Components;

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

    // MudIcon's markup as a MudNavLink in the drawer draws it, written once per page; the icons are MudBlazor's
    // constants, never data.
    private static readonly Dictionary<string, RenderFragment> _drawerIcons = All
        .Where(i => i.Icon is not null)
        .ToDictionary(i => i.Href, i => Markup(
            "<svg class=\"mud-icon-root mud-icon-default mud-svg-icon mud-icon-size-medium mud-nav-link-icon mud-nav-link-icon-default\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">" + i.Icon + "</svg>"));

    /// <summary>The page's icon in the drawer (nothing when it has none).</summary>
    public static RenderFragment? DrawerIconOf(NavItem item) => _drawerIcons.GetValueOrDefault(item.Href);

    private static RenderFragment Markup(string markup) => builder => builder.AddMarkupContent(0, markup);
}
