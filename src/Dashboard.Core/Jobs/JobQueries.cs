using System.Data;
using System.Text.Json;
using Dapper;
using Dashboard.Core.Actions;
using Dashboard.Core.Database;
using Dashboard.Core.Rules;
using Npgsql;
using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.Jobs;

/// <summary>
/// Reads jobs for the explorer: a filtered list (<see cref="JobSummary"/>, keyset-paged by id, never OFFSET), a
/// bounded count, and one job with every column (<see cref="JobDetail"/>). Each filter is served by an index of
/// migration 0007, so a first page costs the same on a small table and on a large one.
/// </summary>
public sealed class JobQueries(Db db)
{
    /// <summary>Largest page <see cref="ListAsync"/> returns.</summary>
    public const int MaxPageSize = 200;

    /// <summary>Counts stop here and say "more than".</summary>
    public const int CountCap = 10_000;

    /// <summary>How many failed attempts a job's error history keeps (the worker contract's fail statement).</summary>
    public const int ErrorHistoryLimit = 10;

    /// <summary>A count slower than this gives way to the planner's estimate.</summary>
    public static readonly TimeSpan CountTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>A list query slower than this fails with a message asking for a narrower filter.</summary>
    public static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(5);

    private const string SummaryColumns = """
        j.id AS Id, j.kind AS Kind, j.state AS State, j.attempts AS Attempts, j.max_attempts AS MaxAttempts,
        j.run_at AS RunAt, j.leased_by AS LeasedBy, j.created_at AS CreatedAt, j.updated_at AS UpdatedAt,
        j.finished_at AS FinishedAt, left(j.last_error, 300) AS LastError
        """;

    // A kind without a state: one ordered scan of jobs_kind_state_id_idx per state the kind has (found by skipping
    // through the index), merged. Without it, PostgreSQL would read every job of the kind to sort them by id.
    private const string KindStatesSql = """
        WITH RECURSIVE kind_states AS (
            (SELECT state FROM jobs WHERE kind = @Kind ORDER BY state LIMIT 1)
            UNION ALL
            SELECT (SELECT j.state FROM jobs j WHERE j.kind = @Kind AND j.state > s.state ORDER BY j.state LIMIT 1)
            FROM kind_states s
            WHERE s.state IS NOT NULL
        )
        """;

    /// <summary>
    /// Jobs matching <paramref name="filter"/> in its order, after <paramref name="afterId"/> when given;
    /// <paramref name="limit"/> is clamped to 1..<see cref="MaxPageSize"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The filter is invalid.</exception>
    /// <exception cref="TimeoutException">The filter combination took longer than <see cref="ListTimeout"/>.</exception>
    public async Task<JobListPage> ListAsync(JobFilter filter, long? afterId, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        limit = Math.Clamp(limit, 1, MaxPageSize);
        var newest = filter.Sort == JobSort.Newest;
        var order = newest ? "DESC" : "ASC";
        var time = TimeOrder(filter);
        var keyset = (afterId, time) switch
        {
            (null, _) => "",
            (_, null) => newest ? " AND j.id < @AfterId" : " AND j.id > @AfterId",
            // After the row with that id in (time, id) order. Equal times are rare; they fall back on the id.
            _ => $" AND j.{time} {(newest ? "<=" : ">=")} (SELECT a.{time} FROM jobs a WHERE a.id = @AfterId)" +
                 $" AND (j.{time} {(newest ? "<" : ">")} (SELECT a.{time} FROM jobs a WHERE a.id = @AfterId) OR j.id {(newest ? "<" : ">")} @AfterId)",
        };
        var byKindStates = time is null && filter is { Kind: not null, State: null, Id: null };
        var (where, values) = Where(filter, byState: !byKindStates);
        var parameters = Parameters(values);
        parameters.Add("AfterId", afterId);
        parameters.Add("Limit", limit + 1);
        var sql = time is not null
            ? $"SELECT {SummaryColumns} FROM jobs j WHERE {where}{keyset} ORDER BY j.{time} {order}, j.id {order} LIMIT @Limit"
            : byKindStates
            ? $"""
                {KindStatesSql}
                SELECT x.* FROM kind_states s CROSS JOIN LATERAL (
                    SELECT {SummaryColumns} FROM jobs j
                    WHERE j.state = s.state AND {where}{keyset}
                    ORDER BY j.id {order} LIMIT @Limit) x
                WHERE s.state IS NOT NULL
                ORDER BY x.id {order} LIMIT @Limit
                """
            : $"SELECT {SummaryColumns} FROM jobs j WHERE {where}{keyset} ORDER BY j.id {order} LIMIT @Limit";

        var rows = await WithTimeoutAsync(ListTimeout, async (conn, tx) =>
            (await conn.QueryAsync<SummaryRow>(new CommandDefinition(sql, parameters, tx, cancellationToken: ct))).ToList(), ct);
        var jobs = rows.Take(limit).Select(r => r.ToSummary()).ToList();
        return new JobListPage(jobs, rows.Count > limit ? jobs[^1].Id : null);
    }

    /// <summary>
    /// The column a time-ranged list is ordered by, or null for id order. Ids ascend with time, but a range that lies
    /// in the past is far from either end of the id index: walking the ids to it would read every row in between. So
    /// a list filtered on a time range is ordered by that time (then id), read from that column's index in order:
    /// created when a created range is given, else finished.
    /// </summary>
    internal static string? TimeOrder(JobFilter filter) =>
        filter.Id is not null ? null
        : filter.CreatedFrom is not null || filter.CreatedTo is not null ? "created_at"
        : filter.FinishedFrom is not null || filter.FinishedTo is not null ? "finished_at"
        : null;

    /// <summary>
    /// How many jobs match: exact up to <see cref="CountCap"/>, "at least" the cap above it, and the planner's estimate
    /// when even that takes longer than <see cref="CountTimeout"/>.
    /// </summary>
    public async Task<JobCount> CountAsync(JobFilter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        var (where, values) = Where(filter);
        var parameters = Parameters(values);
        parameters.Add("Cap", CountCap + 1);
        try
        {
            var count = await WithTimeoutAsync(CountTimeout, (conn, tx) => conn.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT count(*) FROM (SELECT 1 FROM jobs j WHERE {where} LIMIT @Cap) c", parameters, tx, cancellationToken: ct)), ct);
            return count > CountCap ? new JobCount(CountCap, JobCountKind.AtLeast) : new JobCount(count, JobCountKind.Exact);
        }
        catch (TimeoutException)
        {
            await using var conn = await db.OpenAsync(ct);
            var plan = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
                $"EXPLAIN (FORMAT JSON) SELECT 1 FROM jobs j WHERE {where}", parameters, cancellationToken: ct));
            using var document = JsonDocument.Parse(plan!);
            var rows = document.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
            return new JobCount((long)rows, JobCountKind.Estimate);
        }
    }

    private const string GetSql = $$"""
        SELECT j.id AS Id, j.kind AS Kind, j.state AS State, j.payload::text AS Payload, j.attempts AS Attempts,
               j.max_attempts AS MaxAttempts, j.run_at AS RunAt, j.leased_by AS LeasedBy, j.leased_at AS LeasedAt,
               j.lease_token AS LeaseToken, j.heartbeat_at AS HeartbeatAt, j.checkpoint::text AS Checkpoint,
               j.last_error AS LastError, j.created_at AS CreatedAt, j.updated_at AS UpdatedAt,
               j.finished_at AS FinishedAt, {{LeaseRules.LeaseTimeout}} AS LeaseTimeout,
               j.error_history::text AS ErrorHistory, now() AS ReadAt
        FROM jobs j
        LEFT JOIN job_kinds k ON k.kind = j.kind
        WHERE j.id = @Id
        """;

    /// <summary>One job with every column; null when there is no job with that id.</summary>
    public async Task<JobDetail?> GetAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<DetailRow>(new CommandDefinition(
            GetSql, new { Id = id }, cancellationToken: ct));
        return row?.ToDetail();
    }

    /// <summary>
    /// The WHERE clause for <paramref name="filter"/> (jobs aliased <c>j</c>), built only from the constant fragments
    /// below, and the values of its parameters. Shared with the bulk operations so a preview and its run match the same
    /// rows. With <paramref name="byState"/> false the state condition is left to the caller.
    /// </summary>
    internal static (string Where, Dictionary<string, object?> Values) Where(JobFilter filter, bool byState = true)
    {
        var conditions = new List<string> { "true" };
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        void Add(string condition, string name, object? value)
        {
            conditions.Add(condition);
            values[name] = value;
        }

        if (filter.Id is { } id)
        {
            Add("j.id = @Id", "Id", id);
        }

        if (filter.State is { } state && byState)
        {
            Add("j.state = @State", "State", state);
        }

        if (filter.Kind is { } kind)
        {
            Add("j.kind = @Kind", "Kind", kind);
        }

        if (filter.Worker is { } worker)
        {
            Add("j.leased_by = @Worker", "Worker", worker);
        }

        if (filter.ErrorText is { } text)
        {
            Add("j.last_error IS NOT NULL AND j.last_error ILIKE '%' || @ErrorText || '%' ESCAPE '\\'", "ErrorText", EscapeLike(text));
        }

        if (filter.Payload is { } payload)
        {
            Add("j.payload @> @Payload::jsonb", "Payload", payload);
        }

        if (filter.CreatedFrom is { } createdFrom)
        {
            Add("j.created_at >= @CreatedFrom", "CreatedFrom", createdFrom.ToUniversalTime());
        }

        if (filter.CreatedTo is { } createdTo)
        {
            Add("j.created_at < @CreatedTo", "CreatedTo", createdTo.ToUniversalTime());
        }

        if (filter.FinishedFrom is { } finishedFrom)
        {
            Add("j.finished_at >= @FinishedFrom", "FinishedFrom", finishedFrom.ToUniversalTime());
        }

        if (filter.FinishedTo is { } finishedTo)
        {
            Add("j.finished_at < @FinishedTo", "FinishedTo", finishedTo.ToUniversalTime());
        }

        return (string.Join(" AND ", conditions), values);
    }

    private static DynamicParameters Parameters(Dictionary<string, object?> values)
    {
        var parameters = new DynamicParameters();
        foreach (var (name, value) in values)
        {
            parameters.Add(name, value);
        }

        return parameters;
    }

    /// <summary>Escapes LIKE wildcards so the text matches literally (with <c>ESCAPE '\'</c>).</summary>
    internal static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    private async Task<T> WithTimeoutAsync<T>(TimeSpan timeout, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> query, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(int)timeout.TotalMilliseconds}", transaction: tx, cancellationToken: ct));
        try
        {
            var result = await query(conn, tx);
            await tx.CommitAsync(ct);
            return result;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.QueryCanceled && !ct.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Searching took longer than {timeout.TotalSeconds:0.#} s; narrow the filter (a state, a kind or a time range).", ex);
        }
    }

    private class SummaryRow : JobRow
    {
        public DateTime CreatedAt { get; init; }
        public string? LastError { get; init; }

        public JobSummary ToSummary() =>
            new(Id, Kind, State, Attempts, MaxAttempts, Utc(RunAt), LeasedBy, Utc(CreatedAt), Utc(UpdatedAt), Utc(FinishedAt), LastError);
    }

    private sealed class DetailRow : SummaryRow
    {
        public string Payload { get; init; } = "{}";
        public DateTime? LeasedAt { get; init; }
        public Guid? LeaseToken { get; init; }
        public DateTime? HeartbeatAt { get; init; }
        public string? Checkpoint { get; init; }
        public TimeSpan LeaseTimeout { get; init; }
        public string? ErrorHistory { get; init; }
        public DateTime ReadAt { get; init; }

        public JobDetail ToDetail() => new(
            Id, Kind, State, Payload, Attempts, MaxAttempts, Utc(RunAt), LeasedBy, Utc(LeasedAt), LeaseToken, Utc(HeartbeatAt),
            Checkpoint, LastError, Utc(CreatedAt), Utc(UpdatedAt), Utc(FinishedAt), LeaseTimeout, JobErrorHistory.Parse(ErrorHistory), Utc(ReadAt));
    }
}
