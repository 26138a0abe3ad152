using Dapper;
using Dashboard.Core.Database;
using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.History;

/// <summary>Writes and reads the per-kind history (<c>job_history</c>, <c>job_history_hourly</c>).</summary>
public sealed class HistoryQueries(Db db)
{
    /// <summary>The database clock.</summary>
    public async Task<DateTimeOffset> NowAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return Utc(await conn.ExecuteScalarAsync<DateTime>(new CommandDefinition(HistorySql.Now, cancellationToken: ct)));
    }

    /// <summary>The last minute written for good since <paramref name="since"/>, or null.</summary>
    public async Task<DateTimeOffset?> LastFinalAsync(DateTimeOffset since, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var value = await conn.ExecuteScalarAsync<DateTime?>(new CommandDefinition(HistorySql.LastFinal, new { Since = since }, cancellationToken: ct));
        return value is null ? null : Utc(value.Value);
    }

    /// <summary>
    /// Counts the minute starting at <paramref name="minute"/> and upserts one row per kind with the given gauges
    /// (none: the gauges stay as they were). With <paramref name="live"/> (a minute written as it happens, not filled in
    /// afterwards) the stuck leases per kind are counted now over all processing jobs. A final row is never rewritten,
    /// so writing twice counts once.
    /// </summary>
    public async Task<int> WriteMinuteAsync(
        DateTimeOffset minute, bool final, IReadOnlyList<KindGauges> gauges, bool countEnqueued, bool live, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var parameters = new
        {
            From = minute,
            To = minute.AddMinutes(1),
            Final = final,
            CountEnqueued = countEnqueued,
            Live = live,
            GaugeKinds = gauges.Select(g => g.Kind).ToArray(),
            Queued = gauges.Select(g => g.Queued).ToArray(),
            Processing = gauges.Select(g => g.Processing).ToArray(),
            Paused = gauges.Select(g => g.Paused).ToArray(),
            Oldest = gauges.Select(g => g.OldestQueuedSeconds ?? double.NaN).ToArray(),
        };
        return await conn.ExecuteAsync(new CommandDefinition(HistorySql.WriteMinute, parameters, cancellationToken: ct));
    }

    /// <summary>Rolls the last and the current hour up into <c>job_history_hourly</c> and drops rows past retention.</summary>
    public async Task RollupAndPruneAsync(DateTimeOffset now, HistoryOptions options, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            HistorySql.Rollup + HistorySql.Prune,
            new { Now = now, options.Retention, options.RollupRetention },
            cancellationToken: ct));
    }

    /// <summary>One kind over a range, downsampled on the server (at most a few hundred points).</summary>
    public async Task<IReadOnlyList<HistoryPoint>> SeriesAsync(string kind, HistoryRange range, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<PointRow>(new CommandDefinition(
            HistorySql.Series,
            new { Kind = kind, Step = range.Step(), Since = now - range.Length() },
            cancellationToken: ct));
        return [.. rows.Select(r => r.ToModel())];
    }

    /// <summary>Every kind over the last <paramref name="span"/>, a point per minute.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>>> RecentAsync(TimeSpan span, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<PointRow>(new CommandDefinition(
            HistorySql.Recent,
            new { Step = TimeSpan.FromMinutes(1), Since = now - span },
            cancellationToken: ct));
        return rows.Select(r => r.ToModel()).GroupBy(p => p.Kind, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<HistoryPoint>)[.. g], StringComparer.Ordinal);
    }

    /// <summary>Operators' actions on the kind (or on everything) since <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<HistoryMarker>> MarkersAsync(string kind, DateTimeOffset since, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<MarkerRow>(new CommandDefinition(HistorySql.Markers, new { Kind = kind, Since = since }, cancellationToken: ct));
        return [.. rows.Select(r => new HistoryMarker(Utc(r.At), r.Action, r.Actor, r.Target))];
    }

    private sealed class MarkerRow
    {
        public DateTime At { get; init; }
        public string Action { get; init; } = "";
        public string Actor { get; init; } = "";
        public string Target { get; init; } = "";
    }

    private sealed class PointRow
    {
        public string Kind { get; init; } = "";
        public DateTime Bucket { get; init; }
        public long Completed { get; init; }
        public long Failed { get; init; }
        public long Retried { get; init; }
        public long? Enqueued { get; init; }
        public long? Queued { get; init; }
        public long? Processing { get; init; }
        public long? Paused { get; init; }
        public long? Stuck { get; init; }
        public double? OldestQueuedSeconds { get; init; }
        public double? WaitP50Ms { get; init; }
        public double? WaitP95Ms { get; init; }
        public double? RunP50Ms { get; init; }
        public double? RunP95Ms { get; init; }

        public HistoryPoint ToModel() => new(
            Kind, Utc(Bucket), Completed, Failed, Retried, Enqueued, Queued, Processing, Paused, Stuck,
            OldestQueuedSeconds, WaitP50Ms, WaitP95Ms, RunP50Ms, RunP95Ms);
    }
}

/// <summary>An operator's action shown on the charts (from the audit log).</summary>
public sealed record HistoryMarker(DateTimeOffset At, string Action, string Actor, string Target);
