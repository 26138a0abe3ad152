using Dashboard.Core.Alerts;
using Dashboard.Core.History;

namespace Dashboard.Web.Tests.Shared;

/// <summary>History and alerts for component tests: whatever the test puts in.</summary>
public sealed class FakeHistoryView : IHistoryView
{
    public Dictionary<string, IReadOnlyList<HistoryPoint>> LastHour { get; } = new(StringComparer.Ordinal);

    public List<AlertEvent> Alerts { get; } = [];

    public List<HistoryPoint> Points { get; } = [];

    public Task<KindHistory> KindAsync(string kind, HistoryRange range, DateTimeOffset now) =>
        Task.FromResult(new KindHistory(kind, range, now - range.Length(), now, [.. Points.Where(p => p.Kind == kind)], []));

    public Task<IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>> LastHourAsync(DateTimeOffset now) =>
        Task.FromResult<IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>>(new Dictionary<string, IReadOnlyList<HistoryPoint>>(LastHour, StringComparer.Ordinal));

    public Task<IReadOnlyList<AlertEvent>> AlertsAsync() => Task.FromResult<IReadOnlyList<AlertEvent>>([.. Alerts]);
}
