namespace Dashboard.Web.Components.Shared;

/// <summary>The console's shareable URLs: a filtered view is a link that can be pasted into an incident channel.</summary>
public static class Links
{
    /// <summary>The job list filtered by state and kind.</summary>
    public static string Jobs(string state, string kind) =>
        $"/jobs?state={Uri.EscapeDataString(state)}&kind={Uri.EscapeDataString(kind)}";

    /// <summary>The overview's processing list showing only the stuck leases of <paramref name="kind"/>.</summary>
    public static string StuckLeases(string kind) => $"/?kind={Uri.EscapeDataString(kind)}&stuck=1#processing";

    /// <summary>The overview's processing list showing the leases of <paramref name="worker"/>.</summary>
    public static string LeasesOf(string worker) => $"/?worker={Uri.EscapeDataString(worker)}#processing";

    /// <summary>A kind's history page (charts).</summary>
    public static string Kind(string kind, string? range = null) =>
        $"kinds/{Uri.EscapeDataString(kind)}" + (range is null ? "" : $"?range={Uri.EscapeDataString(range)}");
}
