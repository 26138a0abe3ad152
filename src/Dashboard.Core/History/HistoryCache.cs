using System.Collections.Concurrent;

namespace Dashboard.Core.History;

/// <summary>
/// The history as pages read it, shared by every viewer of this instance: each (kind, range) series and the overview's
/// last hour are read at most once per <see cref="MaxAge"/>, however many people watch.
/// </summary>
public sealed class HistoryCache(HistoryQueries queries, Alerts.AlertStore alerts, TimeProvider clock) : IHistoryView
{
    /// <summary>How long a read is reused.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, (DateTimeOffset At, Task<object> Value)> _entries = new(StringComparer.Ordinal);

    /// <summary>
    /// One kind over a range, downsampled, with the operators' actions in it. The range ends at the next whole step
    /// after <paramref name="now"/>, so reads within a step ask for the same window; a read that finds what the last
    /// one found returns the same instance, and a kind page open in many tabs has nothing to draw.
    /// </summary>
    public async Task<KindHistory> KindAsync(string kind, HistoryRange range, DateTimeOffset now)
    {
        var to = HistoryRanges.Floor(now, range.Step()) + range.Step();
        var from = to - range.Length();
        return (KindHistory)await GetAsync($"kind\u0000{kind}\u0000{range}", async () =>
        {
            var series = await queries.SeriesAsync(kind, range, to, CancellationToken.None);
            var markers = await queries.MarkersAsync(kind, from, CancellationToken.None);
            return new KindHistory(kind, range, from, to, series, markers);
        }, (a, b) => ((KindHistory)a).SameAs((KindHistory)b));
    }

    /// <summary>
    /// Every kind's last hour, a point per minute (the overview's sparklines). A read that finds what the last one
    /// found returns the same instance, so a page can tell by reference that it has nothing new to draw.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>> LastHourAsync(DateTimeOffset now) =>
        (IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>)await GetAsync(
            "recent",
            async () => await queries.RecentAsync(TimeSpan.FromHours(1), now, CancellationToken.None),
            (a, b) => SameSeries((IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>)a, (IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>)b));

    /// <summary>Firing alerts and those resolved in the last hour; the same instance while they are the same.</summary>
    public async Task<IReadOnlyList<Alerts.AlertEvent>> AlertsAsync() =>
        (IReadOnlyList<Alerts.AlertEvent>)await GetAsync(
            "alerts",
            async () => await alerts.RecentAsync(TimeSpan.FromHours(1), CancellationToken.None),
            (a, b) => ((IReadOnlyList<Alerts.AlertEvent>)a).SequenceEqual((IReadOnlyList<Alerts.AlertEvent>)b));

    private static bool SameSeries(IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>> a, IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>> b) =>
        a.Count == b.Count && a.All(series => b.TryGetValue(series.Key, out var other) && other.SequenceEqual(series.Value));

    private async Task<object> GetAsync(string key, Func<Task<object>> read, Func<object, object, bool>? same = null)
    {
        var now = clock.GetUtcNow();
        var found = _entries.TryGetValue(key, out var entry);
        if (found && now - entry.At < MaxAge && !entry.Value.IsFaulted)
        {
            return await entry.Value;
        }

        var task = same is not null && found && entry.Value.IsCompletedSuccessfully
            ? KeepIfSameAsync(read, entry.Value.Result, same)
            : read();
        _entries[key] = (now, task);
        if (_entries.Count > 1000)
        {
            foreach (var old in _entries.Where(e => now - e.Value.At > MaxAge).Select(e => e.Key).ToList())
            {
                _entries.TryRemove(old, out _);
            }
        }

        return await task;
    }

    private static async Task<object> KeepIfSameAsync(Func<Task<object>> read, object previous, Func<object, object, bool> same)
    {
        var value = await read();
        return same(previous, value) ? previous : value;
    }
}

/// <summary>The history and alerts as pages read them (cached per instance).</summary>
public interface IHistoryView
{
    Task<KindHistory> KindAsync(string kind, HistoryRange range, DateTimeOffset now);

    Task<IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>> LastHourAsync(DateTimeOffset now);

    Task<IReadOnlyList<Alerts.AlertEvent>> AlertsAsync();
}

/// <summary>What the kind page charts: the series over the range and the operators' actions in it.</summary>
public sealed record KindHistory(
    string Kind, HistoryRange Range, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<HistoryPoint> Points, IReadOnlyList<HistoryMarker> Markers)
{
    /// <summary>The same window with the same points and markers (the record compares its lists by reference).</summary>
    public bool SameAs(KindHistory other) =>
        other is not null && Kind == other.Kind && Range == other.Range && From == other.From && To == other.To
        && Points.SequenceEqual(other.Points) && Markers.SequenceEqual(other.Markers);
}
