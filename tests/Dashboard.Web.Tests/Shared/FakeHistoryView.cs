using Dashboard.Core.Alerts;
using Dashboard.Core.History;

namespace Dashboard.Web.Tests.Shared;

/// <summary>History and alerts for component tests: whatever the test puts in.</summary>
public sealed class FakeHistoryView : IHistoryView
{
    public Dictionary<string, IReadOnlyList<HistoryPoint>> LastHour { get; } = new(StringComparer.Ordinal);

    public List<AlertEvent> Alerts { get; } = [];

    public List<HistoryPoint> Points { get; } = [];

    /// <summary>While set, a kind's history is read only when the test completes it (a slow database).</summary>
    public TaskCompletionSource? HoldKind { get; set; }

    public async Task<KindHistory> KindAsync(string kind, HistoryRange range, DateTimeOffset now)
    {
        if (HoldKind is { } hold)
        {
            await hold.Task;
        }

        return new KindHistory(kind, range, now - range.Length(), now, [.. Points.Where(p => p.Kind == kind)], []);
    }

    private Dictionary<string, IReadOnlyList<HistoryPoint>>? _lastHour;
    private List<AlertEvent>? _alerts;

    // As the instance's cache does: the same instance while what the test put in has not changed.
    public Task<IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>> LastHourAsync(DateTimeOffset now)
    {
        if (_lastHour is null || _lastHour.Count != LastHour.Count
            || LastHour.Any(e => !_lastHour.TryGetValue(e.Key, out var points) || !points.SequenceEqual(e.Value)))
        {
            _lastHour = new Dictionary<string, IReadOnlyList<HistoryPoint>>(LastHour, StringComparer.Ordinal);
        }

        return Task.FromResult<IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>>(_lastHour);
    }

    public Task<IReadOnlyList<AlertEvent>> AlertsAsync()
    {
        if (_alerts is null || !_alerts.SequenceEqual(Alerts))
        {
            _alerts = [.. Alerts];
        }

        return Task.FromResult<IReadOnlyList<AlertEvent>>(_alerts);
    }
}
