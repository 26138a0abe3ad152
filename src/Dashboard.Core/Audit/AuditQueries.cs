using System.Runtime.CompilerServices;
using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Audit;

/// <summary>
/// Reads the audit log for auditors: filtered pages, counts, single entries and a chunked stream for exports. Every
/// query is short and index-backed by <c>seq</c> (and <c>at</c>); none holds a transaction open between chunks.
/// </summary>
public sealed class AuditQueries(Db db)
{
    /// <summary>Largest page <see cref="ListAsync"/> returns.</summary>
    public const int MaxPageSize = 500;

    /// <summary>Entries per query while streaming.</summary>
    public const int DefaultStreamChunkSize = 500;

    private const string Columns = """
        seq AS Seq, at AS At, actor AS Actor, auth_method AS AuthMethod, source_address AS SourceAddress,
        action AS Action, target_kind AS TargetKind, target_job_id AS TargetJobId, target_worker AS TargetWorker,
        reason AS Reason, before::text AS Before, after::text AS After, rows_affected AS RowsAffected,
        outcome AS Outcome, idempotency_key AS IdempotencyKey, encode(prev_hash, 'hex') AS PrevHash, encode(hash, 'hex') AS Hash
        """;

    // The list shows no before/after: those are read for one entry when it is opened (GetAsync).
    private const string ListColumns = """
        seq AS Seq, at AS At, actor AS Actor, auth_method AS AuthMethod, source_address AS SourceAddress,
        action AS Action, target_kind AS TargetKind, target_job_id AS TargetJobId, target_worker AS TargetWorker,
        reason AS Reason, NULL::text AS Before, NULL::text AS After, rows_affected AS RowsAffected,
        outcome AS Outcome, idempotency_key AS IdempotencyKey, encode(prev_hash, 'hex') AS PrevHash, encode(hash, 'hex') AS Hash
        """;

    // Each condition is off when its parameter is null. Unnamed statements are planned with the actual values, so
    // the planner drops the unused conditions. ESCAPE '\' pairs with EscapeLike.
    private const string FilterSql = """
        WHERE (@From::timestamptz IS NULL OR at >= @From::timestamptz)
          AND (@To::timestamptz IS NULL OR at < @To::timestamptz)
          AND (@Actor::text IS NULL OR actor = @Actor::text)
          AND (@Action::text IS NULL OR action = @Action::text)
          AND (@Kind::text IS NULL OR target_kind = @Kind::text)
          AND (@JobId::bigint IS NULL OR target_job_id = @JobId::bigint)
          AND (@Worker::text IS NULL OR target_worker = @Worker::text)
          AND (@Outcome::text IS NULL OR split_part(outcome, ':', 1) = @Outcome::text)
          AND (@Text::text IS NULL OR reason ILIKE '%' || @Text::text || '%' ESCAPE '\')
        """;

    private const string ListSql = $"""
        SELECT {ListColumns}
        FROM audit_log
        {FilterSql}
          AND (@BeforeSeq::bigint IS NULL OR seq < @BeforeSeq::bigint)
        ORDER BY seq DESC
        LIMIT @Limit
        """;

    /// <summary>
    /// Entries matching <paramref name="filter"/>, newest first, older than <paramref name="beforeSeq"/> when given;
    /// <paramref name="limit"/> is clamped to 1..<see cref="MaxPageSize"/>. Their <see cref="AuditEntry.Before"/> and
    /// <see cref="AuditEntry.After"/> are not read (null): <see cref="GetAsync"/> reads them for one entry.
    /// </summary>
    public async Task<AuditPage> ListAsync(AuditFilter filter, long? beforeSeq, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        limit = Math.Clamp(limit, 1, MaxPageSize);
        var parameters = Parameters(filter);
        parameters.Add("BeforeSeq", beforeSeq);
        parameters.Add("Limit", limit + 1);
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<AuditRow>(new CommandDefinition(ListSql, parameters, cancellationToken: ct))).ToList();
        var more = rows.Count > limit;
        var entries = rows.Take(limit).Select(r => r.ToEntry()).ToList();
        return new AuditPage(entries, more ? entries[^1].Seq : null);
    }

    private const string CountSql = $"""
        SELECT count(*)
        FROM audit_log
        {FilterSql}
        """;

    /// <summary>How many entries match <paramref name="filter"/>.</summary>
    public async Task<long> CountAsync(AuditFilter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, Parameters(filter), cancellationToken: ct));
    }

    private const string GetSql = $"""
        SELECT {Columns}
        FROM audit_log
        WHERE seq = @Seq
        """;

    /// <summary>One entry; null when there is none with that number.</summary>
    public async Task<AuditEntry?> GetAsync(long seq, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<AuditRow>(new CommandDefinition(GetSql, new { Seq = seq }, cancellationToken: ct));
        return row?.ToEntry();
    }

    private const string HeadSql = "SELECT coalesce(max(seq), 0) FROM audit_log";

    private const string ChunkSql = $"""
        SELECT {Columns}
        FROM audit_log
        {FilterSql}
          AND seq > @AfterSeq AND seq <= @UpToSeq
        ORDER BY seq
        LIMIT @Limit
        """;

    /// <summary>
    /// Every entry matching <paramref name="filter"/> in chain order (oldest first), up to the newest entry at the
    /// start of the stream. Each chunk is its own short query on a pooled connection that is returned before the
    /// chunk is yielded, so a slow consumer (a download) never holds a snapshot open on the database.
    /// </summary>
    public IAsyncEnumerable<AuditEntry> StreamAsync(AuditFilter filter, CancellationToken ct) =>
        StreamAsync(filter, DefaultStreamChunkSize, ct);

    internal async IAsyncEnumerable<AuditEntry> StreamAsync(AuditFilter filter, int chunkSize, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        long upTo;
        await using (var conn = await db.OpenAsync(ct))
        {
            upTo = await conn.ExecuteScalarAsync<long>(new CommandDefinition(HeadSql, cancellationToken: ct));
        }

        var after = 0L;
        while (true)
        {
            List<AuditRow> chunk;
            var parameters = Parameters(filter);
            parameters.Add("AfterSeq", after);
            parameters.Add("UpToSeq", upTo);
            parameters.Add("Limit", chunkSize);
            await using (var conn = await db.OpenAsync(ct))
            {
                chunk = (await conn.QueryAsync<AuditRow>(new CommandDefinition(ChunkSql, parameters, cancellationToken: ct))).ToList();
            }

            foreach (var row in chunk)
            {
                yield return row.ToEntry();
            }

            if (chunk.Count < chunkSize)
            {
                yield break;
            }

            after = chunk[^1].Seq;
        }
    }

    /// <summary>Escapes LIKE wildcards so the text matches literally (with <c>ESCAPE '\'</c>).</summary>
    internal static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    private static DynamicParameters Parameters(AuditFilter filter)
    {
        var parameters = new DynamicParameters();
        // Npgsql writes timestamptz from UTC values only.
        parameters.Add("From", filter.From?.ToUniversalTime(), System.Data.DbType.DateTimeOffset);
        parameters.Add("To", filter.To?.ToUniversalTime(), System.Data.DbType.DateTimeOffset);
        parameters.Add("Actor", Blank(filter.Actor), System.Data.DbType.String);
        parameters.Add("Action", Blank(filter.Action), System.Data.DbType.String);
        parameters.Add("Kind", Blank(filter.Kind), System.Data.DbType.String);
        parameters.Add("JobId", filter.JobId, System.Data.DbType.Int64);
        parameters.Add("Worker", Blank(filter.Worker), System.Data.DbType.String);
        parameters.Add("Outcome", Blank(filter.Outcome), System.Data.DbType.String);
        parameters.Add("Text", Blank(filter.Text) is { } text ? EscapeLike(text) : null, System.Data.DbType.String);
        return parameters;
    }

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private sealed class AuditRow
    {
        public long Seq { get; init; }
        public DateTime At { get; init; }
        public string Actor { get; init; } = "";
        public string AuthMethod { get; init; } = "";
        public string? SourceAddress { get; init; }
        public string Action { get; init; } = "";
        public string? TargetKind { get; init; }
        public long? TargetJobId { get; init; }
        public string? TargetWorker { get; init; }
        public string Reason { get; init; } = "";
        public string? Before { get; init; }
        public string? After { get; init; }
        public int RowsAffected { get; init; }
        public string Outcome { get; init; } = "";
        public string? IdempotencyKey { get; init; }
        public string PrevHash { get; init; } = "";
        public string Hash { get; init; } = "";

        public AuditEntry ToEntry() => new(
            Seq, DbTime.Utc(At), Actor, AuthMethod, SourceAddress, Action,
            TargetKind, TargetJobId, TargetWorker, Reason, Before, After, RowsAffected, Outcome, IdempotencyKey, PrevHash, Hash);
    }
}
