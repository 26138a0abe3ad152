using System.Data;
using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Dashboard.Core.Database;
using Dashboard.Core.Jobs;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Changes.SnapshotRows;
using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.Changes;

/// <summary>
/// Reads the overview in one round trip, in one short read-only transaction. Its cost is bounded whatever the backlog
/// and the history: live (state, kind) pairs are counted exactly up to <see cref="DashboardOptions.LiveCountCap"/> and
/// estimated above it (a pair above the cap is recounted on the slow cadence only); processing jobs, the leases
/// (thousands at most), are read once per tick for their exact figures and first pages; finished counts and the
/// estimates are refreshed every <see cref="DashboardOptions.SlowCountInterval"/>, not every tick.
/// </summary>
public sealed class SnapshotQueries(Db db, IOptions<DashboardOptions> options)
{
    /// <summary>How many processing jobs and workers the snapshot carries: the first page of each list.</summary>
    public const int PageSize = 50;

    private readonly Lock _lock = new();
    private SlowCounts? _slow;
    private long _fullCountAt;
    private Dictionary<(string State, string Kind), long> _pairEstimates = [];
    private HashSet<(string State, string Kind)> _bigPairs = [];
    private string[] _shownKinds = [];

    /// <summary>Reads one snapshot. Throws when the database is unreachable or a query exceeds the statement timeout.</summary>
    public async Task<DashboardSnapshot> GetAsync(CancellationToken ct)
    {
        var settings = options.Value;
        bool slowDue;
        (string State, string Kind)[] toEstimate;
        (string State, string Kind)[] notRecounted;
        CountRow[] kept;
        bool fullCount;
        lock (_lock)
        {
            slowDue = _slow is null || Stopwatch.GetElapsedTime(_slow.ReadAt) >= settings.SlowCountInterval;
            toEstimate = [.. _bigPairs.Where(p => slowDue || !_pairEstimates.ContainsKey(p))];
            notRecounted = slowDue ? [] : [.. _bigPairs];
            var fullDue = _slow is null || Stopwatch.GetElapsedTime(_fullCountAt) >= settings.FullCountInterval;
            fullCount = slowDue && fullDue;
            kept = slowDue && !fullDue ? [.. _slow!.Finished.Where(r => r.Count >= settings.FinishedCountCap)] : [];
        }

        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);

        // One round trip: the transaction's settings lead the batch (they return no rows, so the reader skips them).
        var sql = $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(int)settings.StatementTimeout.TotalMilliseconds};\n"
            + SnapshotSql.Now + SnapshotSql.LiveCounts + ListSql.SnapshotLeases + SnapshotSql.KindSettings + SnapshotSql.Intake
            + (slowDue ? SnapshotSql.FinishedCounts + SnapshotSql.Estimates : "")
            + (toEstimate.Length > 0 ? SnapshotSql.PairEstimates : "");
        var parameters = new
        {
            LiveCap = settings.LiveCountCap,
            Cap = settings.FinishedCountCap,
            settings.WorkerStaleAfter,
            Kind = (string?)null,
            Worker = (string?)null,
            Search = (string?)null,
            StuckOnly = false,
            Limit = PageSize,
            BigStates = notRecounted.Select(p => p.State).ToArray(),
            BigKinds = notRecounted.Select(p => p.Kind).ToArray(),
            KeptStates = kept.Select(r => r.State).ToArray(),
            KeptKinds = kept.Select(r => r.Kind).ToArray(),
            EstimateStates = toEstimate.Select(p => p.State).ToArray(),
            EstimateKinds = toEstimate.Select(p => p.Kind).ToArray(),
        };
        NowRow now;
        List<CountRow> live;
        var leases = new List<LeaseAggregateRow>();
        var processing = new List<ProcessingJob>();
        var workerRows = new List<WorkerRow>();
        Dictionary<string, KindRow> kindSettings;
        IntakeRow? intakeRow;
        SlowCounts? slow = null;
        List<CountRow> estimated = [];
        await using (var reader = await conn.ExecuteReaderAsync(new CommandDefinition(sql, parameters, tx, cancellationToken: ct)))
        {
            now = (await ReadAllAsync<NowRow>(reader, ct)).Single();
            live = await ReadAllAsync<CountRow>(reader, ct);
            await ReadLeasesAsync(reader, leases, processing, workerRows, ct);
            kindSettings = (await ReadAllAsync<KindRow>(reader, ct)).ToDictionary(k => k.Kind, StringComparer.Ordinal);
            intakeRow = (await ReadAllAsync<IntakeRow>(reader, ct)).SingleOrDefault();
            if (slowDue)
            {
                var finished = (await ReadAllAsync<CountRow>(reader, ct)).Concat(kept).ToList();
                slow = new SlowCounts(Stopwatch.GetTimestamp(), finished, (await ReadAllAsync<EstimateRow>(reader, ct)).Single());
            }

            if (toEstimate.Length > 0)
            {
                estimated = await ReadAllAsync<CountRow>(reader, ct);
            }
        }

        await tx.CommitAsync(ct);

        var intake = intakeRow?.ToModel() ?? new IntakeStatus(true, null, Utc(now.Now), null);
        var workerTotal = workerRows.Count > 0 ? workerRows[0].Total : 0;
        var workers = workerRows.Select(w => w.ToModel()).ToList();

        var counts = Remember(live, leases, slow, fullCount, estimated, settings);
        var totals = leases.FirstOrDefault(l => l.Overall == 1) is { } all
            ? new LeaseTotals(all.Processing, all.Stuck, Utc(all.OldestRunningSince))
            : LeaseTotals.None;

        // A kind whose last live job just finished has no live pair any more, and its finished rows are counted on the
        // slow cadence: it stays on screen (with what is known) until the next finished count says what it holds,
        // rather than vanishing for up to SlowCountInterval and coming back.
        string[] shown;
        lock (_lock)
        {
            shown = slow is null ? _shownKinds : [];
        }

        var kinds = SnapshotCounts.BuildKinds(counts.Live, counts.Slow, leases, kindSettings, now.DefaultLeaseTimeout, settings.FinishedCountCap, shown);
        lock (_lock)
        {
            _shownKinds = [.. kinds.Select(k => k.Kind)];
        }

        return new DashboardSnapshot(
            Utc(now.Now),
            SnapshotCounts.SumStates(counts.Live, counts.Slow, settings.FinishedCountCap),
            kinds,
            totals,
            processing,
            workers,
            workerTotal,
            intake);
    }

    // One result set of the batch, then on to the next.
    private static async Task<List<T>> ReadAllAsync<T>(DbDataReader reader, CancellationToken ct)
    {
        var parse = reader.GetRowParser<T>();
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(parse(reader));
        }

        await reader.NextResultAsync(ct);
        return rows;
    }

    // The leases' result set: each row is one of three parts, each part in its own columns (SnapshotRows.LeaseSet).
    private static async Task ReadLeasesAsync(
        DbDataReader reader, List<LeaseAggregateRow> leases, List<ProcessingJob> processing, List<WorkerRow> workers, CancellationToken ct)
    {
        var aggregate = reader.GetRowParser<LeaseAggregateRow>(startIndex: LeaseSet.Aggregate, length: LeaseSet.Lease - LeaseSet.Aggregate);
        var lease = reader.GetRowParser<ProcessingRow>(startIndex: LeaseSet.Lease, length: LeaseSet.Worker - LeaseSet.Lease);
        var worker = reader.GetRowParser<WorkerRow>(startIndex: LeaseSet.Worker, length: LeaseSet.Width - LeaseSet.Worker);
        while (await reader.ReadAsync(ct))
        {
            switch (reader.GetInt32(LeaseSet.Part))
            {
                case 0:
                    leases.Add(aggregate(reader));
                    break;
                case 1:
                    processing.Add(lease(reader).ToModel());
                    break;
                default:
                    workers.Add(worker(reader));
                    break;
            }
        }

        await reader.NextResultAsync(ct);
    }

    // Turns the raw rows into counts (estimates above the cap) and remembers what the next ticks need.
    private (List<LiveCount> Live, SlowCounts Slow) Remember(
        List<CountRow> live, List<LeaseAggregateRow> leases, SlowCounts? slow, bool fullCount, List<CountRow> estimated,
        DashboardOptions settings)
    {
        lock (_lock)
        {
            if (fullCount && slow is not null)
            {
                _fullCountAt = slow.ReadAt;
            }

            _slow = slow ?? _slow!;
            if (slow is not null)
            {
                _pairEstimates = [];
            }

            foreach (var e in estimated)
            {
                _pairEstimates[(e.State, e.Kind)] = e.Count;
            }

            var counts = new List<LiveCount>();
            foreach (var row in live)
            {
                var big = row.Count > settings.LiveCountCap;
                var count = !big ? row.Count
                    : Math.Max(settings.LiveCountCap + 1, _pairEstimates.GetValueOrDefault((row.State, row.Kind)));
                counts.Add(new LiveCount(row.State, row.Kind, count, big, Utc(row.OldestQueuedAt)));
            }

            counts.AddRange(leases.Where(l => l.Overall == 0 && l.Kind is not null)
                .Select(l => new LiveCount(JobStates.Processing, l.Kind!, l.Processing, false, null)));
            _bigPairs = [.. counts.Where(c => c.IsEstimate).Select(c => (c.State, c.Kind))];
            return (counts, _slow);
        }
    }
}

/// <summary>A live (state, kind) count: exact, or the planner's estimate when it passed the cap.</summary>
internal sealed record LiveCount(string State, string Kind, long Count, bool IsEstimate, DateTimeOffset? OldestQueuedAt);

/// <summary>Finished counts and table statistics, read on the slow cadence.</summary>
internal sealed record SlowCounts(long ReadAt, List<SnapshotRows.CountRow> Finished, SnapshotRows.EstimateRow Estimates);
