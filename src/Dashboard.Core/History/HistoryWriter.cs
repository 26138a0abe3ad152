using Dashboard.Core.Changes;
using Dashboard.Core.Singletons;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.History;

/// <summary>
/// Writes the per-kind history, on one instance at a time: every <see cref="HistoryOptions.LiveInterval"/> it
/// rewrites the open minute (so charts move), writes each closed minute for good once its grace has passed (filling
/// in minutes missed during a takeover or an outage, up to <see cref="HistoryOptions.BackfillLimit"/>), rolls hours
/// up and prunes. Counters come from <c>jobs</c> by time range, stuck leases from the one stuck rule over all processing jobs;
/// the other gauges from this instance's snapshot.
/// </summary>
public sealed class HistoryWriter(
    HistoryQueries queries,
    IDashboardState state,
    SingletonLocks locks,
    IOptions<DashboardOptions> options,
    ILogger<HistoryWriter> logger) : SingletonService(locks, options, logger)
{
    public const string Name = "history";

    private static readonly TimeSpan _minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan _freshAtLeast = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan _enqueuedWindow = TimeSpan.FromMinutes(5);
    private DateTimeOffset? _finalThrough;

    public override string WorkName => Name;

    protected override bool Enabled => Settings.History.Enabled;

    protected override async Task RunAsLeaderAsync(CancellationToken ct)
    {
        var settings = Settings.History;
        _finalThrough = null;
        while (!ct.IsCancellationRequested)
        {
            await TickAsync(ct);
            await Task.Delay(settings.LiveInterval, ct);
        }
    }

    /// <summary>One pass: closed minutes for good, the open minute so far, rollups and pruning.</summary>
    public async Task TickAsync(CancellationToken ct)
    {
        var settings = Settings.History;
        var now = await queries.NowAsync(ct);
        var current = Floor(now);
        var gauges = Gauges(state.Current, now, settings);
        var oldestAllowed = Floor(now - settings.BackfillLimit);
        _finalThrough ??= await queries.LastFinalAsync(oldestAllowed, ct) ?? oldestAllowed - _minute;

        // Closed minutes: each once its grace has passed. Only the one that just closed gets this moment's gauges.
        var lastClosed = Floor(now - settings.Grace) - _minute;
        for (var minute = Max(_finalThrough.Value + _minute, oldestAllowed); minute <= lastClosed; minute += _minute)
        {
            var fresh = minute == lastClosed;
            await queries.WriteMinuteAsync(minute, true, fresh ? gauges : [], now - minute <= _enqueuedWindow, fresh, ct);
            _finalThrough = minute;
        }

        await queries.WriteMinuteAsync(current, false, gauges, true, live: true, ct);
        await queries.RollupAndPruneAsync(now, settings, ct);
    }

    /// <summary>The snapshot's gauges per kind, when the snapshot is recent enough to stand for "now".</summary>
    public static IReadOnlyList<KindGauges> Gauges(FeedState feed, DateTimeOffset now, HistoryOptions settings)
    {
        var freshFor = settings.LiveInterval + settings.LiveInterval > _freshAtLeast ? settings.LiveInterval + settings.LiveInterval : _freshAtLeast;
        if (!feed.IsHealthy || now - feed.Snapshot!.TakenAt > freshFor)
        {
            return [];
        }

        var snapshot = feed.Snapshot;
        return [.. snapshot.Kinds.Select(k => new KindGauges(
            k.Kind,
            k.CountOf("queued").Count,
            k.CountOf("processing").Count,
            k.CountOf("paused").Count,
            k.OldestQueuedAt is { } oldest ? Math.Max(0, (snapshot.TakenAt - oldest).TotalSeconds) : null))];
    }

    private static DateTimeOffset Floor(DateTimeOffset t) => HistoryRanges.Floor(t, _minute);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
