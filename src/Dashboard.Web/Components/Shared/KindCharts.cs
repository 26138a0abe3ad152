using System.Runtime.CompilerServices;
using Dashboard.Core.History;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// A kind page's five charts, built once per history read and shared by every tab that shows it: the history cache
/// hands back the same <see cref="KindHistory"/> while it did not change, and charts given the same series are not
/// drawn again (<see cref="TrendChart"/>).
/// </summary>
public sealed record KindCharts(
    IReadOnlyList<ChartMarker> Markers,
    IReadOnlyList<ChartSeries> Throughput,
    IReadOnlyList<ChartSeries> Backlog,
    IReadOnlyList<ChartSeries> Wait,
    IReadOnlyList<ChartSeries> RunTime,
    IReadOnlyList<ChartSeries> Stuck)
{
    private static readonly ConditionalWeakTable<KindHistory, KindCharts> _built = new();

    public static KindCharts Of(KindHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return _built.GetValue(history, static h =>
        {
            ChartSeries Line(string name, string color, Func<HistoryPoint, double?> value) =>
                new(name, color, [.. h.Points.Select(p => new ChartPoint(p.Bucket, value(p)))]);

            return new KindCharts(
                [.. h.Markers.Select(m => new ChartMarker(m.At, $"{Formatting.Absolute(m.At)} {m.Action} by {m.Actor}"))],
                [Line("done", "#2e7d32", p => p.Completed), Line("failed", "#c62828", p => p.Failed), Line("retried", "#ef6c00", p => p.Retried)],
                [Line("queued", "#1565c0", p => p.Queued), Line("paused", "#8e24aa", p => p.Paused), Line("processing", "#00838f", p => p.Processing)],
                [Line("p50", "#1565c0", p => p.WaitP50Ms / 1000), Line("p95", "#0d47a1", p => p.WaitP95Ms / 1000), Line("oldest queued", "#6d4c41", p => p.OldestQueuedSeconds)],
                [Line("p50", "#2e7d32", p => p.RunP50Ms / 1000), Line("p95", "#1b5e20", p => p.RunP95Ms / 1000)],
                [Line("stuck", "#c62828", p => p.Stuck)]);
        });
    }
}
