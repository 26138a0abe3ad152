using Dapper;
using Dashboard.Core.Database;
using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.Bulk;

/// <summary>Reads bulk operations for the pages: the running ones and the latest finished ones.</summary>
public sealed class BulkOperationQueries(Db db)
{
    internal const string Columns = """
        id AS Id, action AS Action, filter_text AS FilterText, state AS State, expected AS Expected, changed AS Changed,
        chunks AS Chunks, actor AS Actor, reason AS Reason, cancel_requested AS CancelRequested, error AS Error,
        created_at AS CreatedAt, updated_at AS UpdatedAt, finished_at AS FinishedAt
        """;

    private const string ListRecentSql = $"""
        (SELECT {Columns} FROM bulk_operations WHERE state = 'running' ORDER BY id)
        UNION ALL
        (SELECT {Columns} FROM bulk_operations WHERE state <> 'running' ORDER BY id DESC LIMIT @Finished)
        ORDER BY Id DESC
        """;

    /// <summary>Every running operation and the <paramref name="finished"/> latest finished ones, newest first.</summary>
    public async Task<IReadOnlyList<BulkOperation>> ListRecentAsync(int finished, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(ListRecentSql, new { Finished = finished }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToModel())];
    }

    private const string GetSql = $"SELECT {Columns} FROM bulk_operations WHERE id = @Id";

    /// <summary>One operation; null when there is none with that id.</summary>
    public async Task<BulkOperation?> GetAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(GetSql, new { Id = id }, cancellationToken: ct));
        return row?.ToModel();
    }

    internal sealed class Row
    {
        public long Id { get; init; }
        public string Action { get; init; } = "";
        public string FilterText { get; init; } = "";
        public string State { get; init; } = "";
        public long Expected { get; init; }
        public long Changed { get; init; }
        public int Chunks { get; init; }
        public string Actor { get; init; } = "";
        public string Reason { get; init; } = "";
        public bool CancelRequested { get; init; }
        public string? Error { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public DateTime? FinishedAt { get; init; }

        public BulkOperation ToModel() => new(
            Id, Action, FilterText, State, Expected, Changed, Chunks, Actor, Reason, CancelRequested, Error,
            Utc(CreatedAt), Utc(UpdatedAt), Utc(FinishedAt));
    }
}
