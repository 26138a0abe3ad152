using System.Globalization;
using Dashboard.Core.Changes;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// The overview's filters as they live in its URL, so a view can be pasted into an incident channel:
/// <c>q</c> kinds filter, <c>sort</c>, <c>kpage</c>; <c>kind</c>, <c>worker</c>, <c>stuck=1</c>, <c>page</c> for the
/// processing list; <c>wq</c>, <c>wstuck=1</c>, <c>wpage</c> for the workers. Anything malformed reads as "no filter".
/// </summary>
public sealed record OverviewQuery(
    string? KindFilter = null,
    string? KindSort = null,
    int KindPage = 0,
    string? LeaseKind = null,
    string? LeaseWorker = null,
    bool StuckOnly = false,
    int LeasePage = 0,
    string? WorkerSearch = null,
    bool WorkerStuckOnly = false,
    int WorkerPage = 0)
{
    private const int MaxText = 500;

    public LeaseFilter Leases => new(LeaseKind, LeaseWorker, StuckOnly);

    public WorkerFilter Workers => new(WorkerSearch, null, WorkerStuckOnly);

    public static OverviewQuery Parse(IReadOnlyDictionary<string, string?> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(
            Text(query, "q"), Text(query, "sort"), Number(query, "kpage"),
            Text(query, "kind"), Text(query, "worker"), Flag(query, "stuck"), Number(query, "page"),
            Text(query, "wq"), Flag(query, "wstuck"), Number(query, "wpage"));
    }

    /// <summary>The query parameters for the URL (nulls remove a parameter).</summary>
    public IReadOnlyDictionary<string, object?> ToParameters() => new Dictionary<string, object?>
    {
        ["q"] = KindFilter,
        ["sort"] = KindSort is null or "name" ? null : KindSort,
        ["kpage"] = KindPage > 0 ? KindPage.ToString(CultureInfo.InvariantCulture) : null,
        ["kind"] = LeaseKind,
        ["worker"] = LeaseWorker,
        ["stuck"] = StuckOnly ? "1" : null,
        ["page"] = LeasePage > 0 ? LeasePage.ToString(CultureInfo.InvariantCulture) : null,
        ["wq"] = WorkerSearch,
        ["wstuck"] = WorkerStuckOnly ? "1" : null,
        ["wpage"] = WorkerPage > 0 ? WorkerPage.ToString(CultureInfo.InvariantCulture) : null,
    };

    private static string? Text(IReadOnlyDictionary<string, string?> query, string key) =>
        query.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value)
            ? (value.Length > MaxText ? value[..MaxText] : value)
            : null;

    private static bool Flag(IReadOnlyDictionary<string, string?> query, string key) =>
        Text(query, key) is "1" or "true";

    private static int Number(IReadOnlyDictionary<string, string?> query, string key) =>
        int.TryParse(Text(query, key), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 1_000_000 ? n : 0;
}
