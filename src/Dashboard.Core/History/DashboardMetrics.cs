using System.Diagnostics.Metrics;
using Dashboard.Core.Alerts;
using Dashboard.Core.Changes;
using Dashboard.Core.Singletons;

namespace Dashboard.Core.History;

/// <summary>
/// The console's figures as <see cref="System.Diagnostics.Metrics"/> instruments (meter <see cref="MeterName"/>), for an
/// OpenTelemetry exporter: the snapshot's gauges, the last closed minute of the history per kind, firing alerts and
/// which singleton work this instance runs. Observed from what the instance already holds (the snapshot and the
/// history cache), so a scrape adds no query of its own beyond a cached history read.
/// </summary>
public sealed class DashboardMetrics
{
    public const string MeterName = "Dashboard";

    private readonly Meter _meter;
    private readonly IDashboardState _state;
    private readonly HistoryCache _history;
    private readonly TimeProvider _clock;
    private IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>> _lastHour = new Dictionary<string, IReadOnlyList<HistoryPoint>>();
    private IReadOnlyList<AlertEvent> _alerts = [];
    private DateTimeOffset _readAt;
    private int _reading;

    /// <summary>The meter comes from the host's <see cref="IMeterFactory"/>: each host (and test host) has its own instruments.</summary>
    public DashboardMetrics(IMeterFactory meters, IDashboardState state, HistoryCache history, IEnumerable<SingletonService> singletons, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _state = state;
        _history = history;
        _clock = clock;
        var work = singletons.ToList();
        _meter.CreateObservableGauge("dashboard.jobs", Jobs, description: "Jobs per kind and state, from the snapshot (estimates above the exact-count cap).");
        _meter.CreateObservableGauge("dashboard.jobs.oldest_queued.age", OldestQueued, "s", "Age of the oldest queued job per kind.");
        _meter.CreateObservableGauge("dashboard.leases.stuck", Stuck, description: "Stuck leases per kind, over all processing jobs.");
        _meter.CreateObservableGauge("dashboard.workers", () => Snapshot is { } s ? [new Measurement<long>(s.WorkerTotal)] : Array.Empty<Measurement<long>>(),
            description: "Workers the overview lists (counted over all rows): registered and not stopped or stopped within the hour, and unregistered lease holders.");
        _meter.CreateObservableGauge("dashboard.intake.accepting", () => Snapshot is { } s ? [new Measurement<int>(s.Intake.Accepting ? 1 : 0)] : Array.Empty<Measurement<int>>(),
            description: "1 while workers may claim, 0 while intake is paused.");
        _meter.CreateObservableGauge("dashboard.database.reachable", () => _state.Current.IsHealthy ? 1 : 0,
            description: "1 when the last snapshot read succeeded.");
        _meter.CreateObservableGauge("dashboard.history.completed", () => LastMinute(p => p.Completed), description: "Jobs done in the last closed minute, per kind.");
        _meter.CreateObservableGauge("dashboard.history.failed", () => LastMinute(p => p.Failed), description: "Jobs failed for good in the last closed minute, per kind.");
        _meter.CreateObservableGauge("dashboard.history.retried", () => LastMinute(p => p.Retried), description: "Jobs requeued for a retry in the last closed minute, per kind.");
        _meter.CreateObservableGauge("dashboard.history.run_time.p95", () => LastMinute(p => p.RunP95Ms / 1000), "s", "Run time p95 of jobs finished in the last closed minute.");
        _meter.CreateObservableGauge("dashboard.history.run_time.p50", () => LastMinute(p => p.RunP50Ms / 1000), "s", "Run time median of jobs finished in the last closed minute.");
        _meter.CreateObservableGauge("dashboard.history.wait_time.p95", () => LastMinute(p => p.WaitP95Ms / 1000), "s", "Wait (eligible to claimed) p95 of jobs finished in the last closed minute.");
        _meter.CreateObservableGauge("dashboard.alerts.firing", Firing, description: "1 per firing alert (rule and subject).");
        _meter.CreateObservableGauge("dashboard.singleton.leader", () => work.Select(w => new Measurement<int>(w.IsLeader ? 1 : 0, new KeyValuePair<string, object?>("work", w.WorkName))),
            description: "1 for each singleton work this instance runs now.");
    }

    private DashboardSnapshot? Snapshot => _state.Current.Snapshot;

    private IEnumerable<Measurement<long>> Jobs() =>
        Snapshot is not { } s ? [] : s.Kinds.SelectMany(k => k.Counts.Select(c => new Measurement<long>(c.Count, Tag("kind", k.Kind), Tag("state", c.State))));

    private IEnumerable<Measurement<double>> OldestQueued() =>
        Snapshot is not { } s ? [] : s.Kinds.Where(k => k.OldestQueuedAt is not null)
            .Select(k => new Measurement<double>(Math.Max(0, (s.TakenAt - k.OldestQueuedAt!.Value).TotalSeconds), Tag("kind", k.Kind)));

    private IEnumerable<Measurement<long>> Stuck() =>
        Snapshot is not { } s ? [] : s.Kinds.Select(k => new Measurement<long>(k.Stuck, Tag("kind", k.Kind)));

    private IEnumerable<Measurement<double>> LastMinute(Func<HistoryPoint, double?> value)
    {
        Refresh();
        var closed = _clock.GetUtcNow().AddMinutes(-1);
        foreach (var (kind, points) in _lastHour)
        {
            var last = points.LastOrDefault(p => p.Bucket <= closed.AddSeconds(-closed.Second));
            if (last is not null && value(last) is { } v)
            {
                yield return new Measurement<double>(v, Tag("kind", kind));
            }
        }
    }

    private IEnumerable<Measurement<int>> Firing()
    {
        Refresh();
        return _alerts.Where(a => a.IsFiring).Select(a => new Measurement<int>(1, Tag("rule", a.RuleName), Tag("subject", a.Subject)));
    }

    // Observable callbacks are synchronous: they use the last read and start the next one in the background.
    private void Refresh()
    {
        var now = _clock.GetUtcNow();
        if (now - _readAt < HistoryCache.MaxAge || Interlocked.Exchange(ref _reading, 1) == 1)
        {
            return;
        }

        _readAt = now;
        _ = Task.Run(async () =>
        {
            try
            {
                _lastHour = await _history.LastHourAsync(Snapshot?.TakenAt ?? now);
                _alerts = await _history.AlertsAsync();
            }
            catch (Exception ex) when (Dashboard.Core.Database.DatabaseErrors.IsUnavailable(ex))
            {
                // Unreachable database: keep the last figures; dashboard.database.reachable says so.
            }
            finally
            {
                Interlocked.Exchange(ref _reading, 0);
            }
        });
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
