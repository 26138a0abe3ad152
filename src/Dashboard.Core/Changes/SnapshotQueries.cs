using System.Data;
using Dapper;
using Dashboard.Core.Database;
using Dashboard.Core.Jobs;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Changes;

/// <summary>
/// Reads the overview in one round trip, in one short read-only transaction, with index-backed queries whose cost
/// follows the live set (queued, processing, paused) rather than the finished history.
/// </summary>
public sealed class SnapshotQueries(Db db, IOptions<DashboardOptions> options)
{
    /// <summary>How many processing rows the snapshot carries (stuck ones first).</summary>
    public const int ProcessingLimit = 200;

    // Live rows only (jobs_live_idx): exact counts per state and kind, and the oldest eligible queued job.
    private const string LiveCountsSql = """
        SELECT state AS State, kind AS Kind, count(*) AS Count,
               min(run_at) FILTER (WHERE state = 'queued') AS OldestQueuedAt
        FROM jobs
        WHERE state NOT IN ('done', 'failed')
        GROUP BY state, kind;
        """;

    // Finished rows: find kinds by skipping through jobs_finished_idx (one probe per kind), then count each
    // (kind, state) up to the cap. The repeated "state IN (...)" lets the planner use the partial index.
    private const string FinishedCountsSql = """
        WITH RECURSIVE finished_kinds AS (
            (SELECT kind FROM jobs WHERE state IN ('done', 'failed') ORDER BY kind LIMIT 1)
            UNION ALL
            SELECT (SELECT j.kind FROM jobs j
                    WHERE j.state IN ('done', 'failed') AND j.kind > f.kind
                    ORDER BY j.kind LIMIT 1)
            FROM finished_kinds f
            WHERE f.kind IS NOT NULL
        )
        SELECT s.state AS State, f.kind AS Kind,
               (SELECT count(*) FROM (
                    SELECT 1 FROM jobs j
                    WHERE j.kind = f.kind AND j.state = s.state AND j.state IN ('done', 'failed')
                    LIMIT @Cap) capped) AS Count
        FROM finished_kinds f CROSS JOIN (VALUES ('done'), ('failed')) AS s(state)
        WHERE f.kind IS NOT NULL;
        """;

    // Planner statistics: total rows and the share of each finished state, for counts above the cap.
    private const string EstimatesSql = """
        SELECT greatest(c.reltuples, 0)::bigint AS TotalRows,
               (SELECT s.most_common_vals::text::text[] FROM pg_stats s
                WHERE s.schemaname = current_schema() AND s.tablename = 'jobs' AND s.attname = 'state') AS StateValues,
               (SELECT s.most_common_freqs FROM pg_stats s
                WHERE s.schemaname = current_schema() AND s.tablename = 'jobs' AND s.attname = 'state') AS StateFrequencies
        FROM pg_class c
        WHERE c.oid = 'jobs'::regclass;
        """;

    private const string KindSettingsSql = """
        SELECT kind AS Kind, lease_timeout AS LeaseTimeout, paused AS Paused, paused_by AS PausedBy,
               paused_at AS PausedAt, pause_reason AS PauseReason, pause_expires_at AS PauseExpiresAt
        FROM job_kinds;
        """;

    // Stuck: no heartbeat (or claim, when the worker never heartbeat) within the kind's lease timeout.
    private const string ProcessingSql = """
        SELECT j.id AS Id, j.kind AS Kind, j.leased_by AS LeasedBy, j.leased_at AS LeasedAt,
               j.heartbeat_at AS HeartbeatAt, j.attempts AS Attempts, j.lease_token AS LeaseToken,
               coalesce(k.lease_timeout, @DefaultLeaseTimeout) AS LeaseTimeout,
               coalesce(coalesce(j.heartbeat_at, j.leased_at) < now() - coalesce(k.lease_timeout, @DefaultLeaseTimeout), true) AS IsStuck
        FROM jobs j
        LEFT JOIN job_kinds k ON k.kind = j.kind
        WHERE j.state = 'processing'
        ORDER BY IsStuck DESC, j.leased_at NULLS FIRST, j.id
        LIMIT @ProcessingLimit;
        """;

    private const string WorkersSql = """
        SELECT id AS Id, state AS State, drain_requested AS DrainRequested, current_jobs AS CurrentJobs,
               concurrency AS Concurrency, started_at AS StartedAt, heartbeat_at AS HeartbeatAt,
               (state <> 'stopped' AND heartbeat_at >= now() - @WorkerStaleAfter) AS IsAlive
        FROM workers
        WHERE state <> 'stopped' OR stopped_at >= now() - interval '1 hour'
        ORDER BY id
        LIMIT 500;
        """;

    private const string IntakeSql = """
        SELECT accepting AS Accepting, changed_by AS ChangedBy, changed_at AS ChangedAt, reason AS Reason
        FROM queue_control;
        """;

    private const string NowSql = "SELECT now();";

    /// <summary>Reads one snapshot. Throws when the database is unreachable or a query exceeds the statement timeout.</summary>
    public async Task<DashboardSnapshot> GetAsync(CancellationToken ct)
    {
        var settings = options.Value;
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(int)settings.StatementTimeout.TotalMilliseconds}",
            transaction: tx, cancellationToken: ct));

        var sql = NowSql + LiveCountsSql + FinishedCountsSql + EstimatesSql + KindSettingsSql + ProcessingSql + WorkersSql + IntakeSql;
        var parameters = new
        {
            Cap = settings.FinishedCountCap,
            settings.DefaultLeaseTimeout,
            ProcessingLimit,
            settings.WorkerStaleAfter,
        };
        await using var grid = await conn.QueryMultipleAsync(new CommandDefinition(sql, parameters, tx, cancellationToken: ct));
        var now = Utc(await grid.ReadSingleAsync<DateTime>());
        var live = (await grid.ReadAsync<CountRow>()).ToList();
        var finished = (await grid.ReadAsync<CountRow>()).ToList();
        var estimates = await grid.ReadSingleAsync<EstimateRow>();
        var kindSettings = (await grid.ReadAsync<KindRow>()).ToDictionary(k => k.Kind, StringComparer.Ordinal);
        var processing = (await grid.ReadAsync<ProcessingRow>()).Select(p => p.ToModel()).ToList();
        var workers = (await grid.ReadAsync<WorkerRow>()).Select(w => w.ToModel()).ToList();
        var intake = (await grid.ReadSingleOrDefaultAsync<IntakeRow>())?.ToModel()
            ?? new IntakeStatus(true, null, now, null);
        await tx.CommitAsync(ct);

        return new DashboardSnapshot(
            now,
            SumStates(live, finished, estimates, settings.FinishedCountCap),
            BuildKinds(live, finished, kindSettings, settings),
            processing,
            workers,
            intake);
    }

    private static List<StateCount> SumStates(List<CountRow> live, List<CountRow> finished, EstimateRow estimates, int cap)
    {
        var states = new List<StateCount>();
        foreach (var group in live.GroupBy(r => r.State, StringComparer.Ordinal))
        {
            states.Add(new StateCount(group.Key, group.Sum(r => r.Count), false));
        }

        var liveTotal = live.Sum(r => r.Count);
        var finishedByState = JobStates.Known.Where(JobStates.IsFinished).ToDictionary(
            s => s,
            s => (Sum: finished.Where(r => r.State == s).Sum(r => r.Count), Capped: finished.Any(r => r.State == s && r.Count >= cap)),
            StringComparer.Ordinal);

        foreach (var (state, (sum, capped)) in finishedByState)
        {
            var count = sum;
            if (capped)
            {
                var other = finishedByState.Single(f => f.Key != state).Value;
                var fromTotal = estimates.TotalRows - liveTotal - (other.Capped ? 0 : other.Sum);
                var fromStats = (long)(estimates.TotalRows * estimates.FrequencyOf(state));
                // Only one finished state above the cap: the total tells it; both: split by the planner's shares.
                var estimate = other.Capped ? fromStats : fromTotal;
                count = Math.Max(sum, estimate);
            }

            states.Add(new StateCount(state, count, capped));
        }

        foreach (var known in JobStates.Known.Where(k => states.All(s => s.State != k)))
        {
            states.Add(new StateCount(known, 0, false));
        }

        return [.. states.OrderBy(s => Order(s.State)).ThenBy(s => s.State, StringComparer.Ordinal)];
    }

    private static List<KindStatus> BuildKinds(
        List<CountRow> live, List<CountRow> finished, Dictionary<string, KindRow> settings, DashboardOptions options)
    {
        var names = live.Select(r => r.Kind).Concat(finished.Select(r => r.Kind)).Concat(settings.Keys)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        var kinds = new List<KindStatus>();
        foreach (var name in names)
        {
            var counts = live.Where(r => r.Kind == name).Select(r => new StateCount(r.State, r.Count, false))
                .Concat(finished.Where(r => r.Kind == name && r.Count > 0)
                    .Select(r => new StateCount(r.State, r.Count, r.Count >= options.FinishedCountCap)))
                .OrderBy(s => Order(s.State)).ThenBy(s => s.State, StringComparer.Ordinal)
                .ToList();
            var oldest = live.Where(r => r.Kind == name && r.OldestQueuedAt is not null).Select(r => Utc(r.OldestQueuedAt!.Value))
                .Cast<DateTimeOffset?>().Min();
            settings.TryGetValue(name, out var s);
            kinds.Add(new KindStatus(
                name, counts, oldest, s?.LeaseTimeout ?? options.DefaultLeaseTimeout, s?.Paused ?? false,
                s?.PausedBy, Utc(s?.PausedAt), s?.PauseReason, Utc(s?.PauseExpiresAt)));
        }

        return kinds;
    }

    private static int Order(string state)
    {
        var index = JobStates.Known.ToList().IndexOf(state);
        return index < 0 ? int.MaxValue : index;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? value) => value is null ? null : Utc(value.Value);

    private sealed class CountRow
    {
        public string State { get; init; } = "";
        public string Kind { get; init; } = "";
        public long Count { get; init; }
        public DateTime? OldestQueuedAt { get; init; }
    }

    private sealed class EstimateRow
    {
        public long TotalRows { get; init; }
        public string[]? StateValues { get; init; }
        public float[]? StateFrequencies { get; init; }

        public double FrequencyOf(string state)
        {
            var index = StateValues is null ? -1 : Array.IndexOf(StateValues, state);
            return index < 0 || StateFrequencies is null ? 0 : StateFrequencies[index];
        }
    }

    private sealed class KindRow
    {
        public string Kind { get; init; } = "";
        public TimeSpan LeaseTimeout { get; init; }
        public bool Paused { get; init; }
        public string? PausedBy { get; init; }
        public DateTime? PausedAt { get; init; }
        public string? PauseReason { get; init; }
        public DateTime? PauseExpiresAt { get; init; }
    }

    private sealed class ProcessingRow
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string? LeasedBy { get; init; }
        public DateTime? LeasedAt { get; init; }
        public DateTime? HeartbeatAt { get; init; }
        public int Attempts { get; init; }
        public Guid? LeaseToken { get; init; }
        public TimeSpan LeaseTimeout { get; init; }
        public bool IsStuck { get; init; }

        public ProcessingJob ToModel() =>
            new(Id, Kind, LeasedBy, Utc(LeasedAt), Utc(HeartbeatAt), Attempts, LeaseToken, LeaseTimeout, IsStuck);
    }

    private sealed class WorkerRow
    {
        public string Id { get; init; } = "";
        public string State { get; init; } = "";
        public bool DrainRequested { get; init; }
        public int CurrentJobs { get; init; }
        public int Concurrency { get; init; }
        public DateTime StartedAt { get; init; }
        public DateTime HeartbeatAt { get; init; }
        public bool IsAlive { get; init; }

        public WorkerStatus ToModel() =>
            new(Id, State, DrainRequested, CurrentJobs, Concurrency, Utc(StartedAt), Utc(HeartbeatAt), IsAlive);
    }

    private sealed class IntakeRow
    {
        public bool Accepting { get; init; }
        public string? ChangedBy { get; init; }
        public DateTime ChangedAt { get; init; }
        public string? Reason { get; init; }

        public IntakeStatus ToModel() => new(Accepting, ChangedBy, Utc(ChangedAt), Reason);
    }
}
