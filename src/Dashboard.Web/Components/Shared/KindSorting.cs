using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Dashboard.Core.Changes;
using Dashboard.Core.Jobs;

namespace Dashboard.Web.Components.Shared;

/// <summary>How the kinds table filters and sorts (names as they appear in the URL's <c>sort=</c>).</summary>
public static class KindSorting
{
    public static readonly IReadOnlyList<(string Key, string Label)> Options =
    [
        ("name", "Name"), ("backlog", "Backlog"), ("stuck", "Stuck leases"), ("failed", "Failed"),
    ];

    public static string Normalize(string? sort) => Options.Any(o => o.Key == sort) ? sort! : "name";

    // Per snapshot list of kinds, each order of it without a filter: what most open tabs show.
    private static readonly ConditionalWeakTable<IReadOnlyList<KindStatus>, ConcurrentDictionary<string, IReadOnlyList<KindStatus>>> _sorted = new();

    /// <summary>
    /// The kinds whose name contains <paramref name="filter"/>, in the order <paramref name="sort"/> names. Without a
    /// filter, every open tab gets the same list for the same snapshot: sorted once, not once per tab at every change.
    /// </summary>
    public static IReadOnlyList<KindStatus> Apply(IReadOnlyList<KindStatus> kinds, string? filter, string? sort)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        var key = Normalize(sort);
        return string.IsNullOrWhiteSpace(filter)
            ? _sorted.GetValue(kinds, static _ => new()).GetOrAdd(key, static (key, kinds) => Sort(kinds, key), kinds)
            : Sort(kinds.Where(k => k.Kind.Contains(filter.Trim(), StringComparison.OrdinalIgnoreCase)), key);
    }

    private static List<KindStatus> Sort(IEnumerable<KindStatus> matching, string sort)
    {
        var byName = StringComparer.Ordinal;
        return sort switch
        {
            "backlog" => [.. matching.OrderByDescending(k => k.Backlog).ThenBy(k => k.Kind, byName)],
            "stuck" => [.. matching.OrderByDescending(k => k.Stuck).ThenBy(k => k.Kind, byName)],
            "failed" => [.. matching.OrderByDescending(k => k.CountOf(JobStates.Failed).Count).ThenBy(k => k.Kind, byName)],
            _ => [.. matching.OrderBy(k => k.Kind, byName)],
        };
    }
}
