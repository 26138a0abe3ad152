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

    public static List<KindStatus> Apply(IReadOnlyList<KindStatus> kinds, string? filter, string? sort)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        IEnumerable<KindStatus> matching = string.IsNullOrWhiteSpace(filter)
            ? kinds
            : kinds.Where(k => k.Kind.Contains(filter.Trim(), StringComparison.OrdinalIgnoreCase));
        var byName = StringComparer.Ordinal;
        return Normalize(sort) switch
        {
            "backlog" => [.. matching.OrderByDescending(k => k.Backlog).ThenBy(k => k.Kind, byName)],
            "stuck" => [.. matching.OrderByDescending(k => k.Stuck).ThenBy(k => k.Kind, byName)],
            "failed" => [.. matching.OrderByDescending(k => k.CountOf(JobStates.Failed).Count).ThenBy(k => k.Kind, byName)],
            _ => [.. matching.OrderBy(k => k.Kind, byName)],
        };
    }
}
