using Dapper;
using Npgsql;

namespace Dashboard.Core.Actions;

/// <summary>A kind's pause columns, as read and as written to the audit log's before/after.</summary>
internal sealed class KindRow
{
    public string Kind { get; init; } = "";
    public bool Paused { get; init; }
    public string? PausedBy { get; init; }
    public DateTime? PausedAt { get; init; }
    public string? PauseReason { get; init; }
    public DateTime? PauseExpiresAt { get; init; }

    // Locks the kind's row (when it exists) so the before state is the one the change applies to.
    private const string LockSql = """
        SELECT kind AS Kind, paused AS Paused, paused_by AS PausedBy, paused_at AS PausedAt,
               pause_reason AS PauseReason, pause_expires_at AS PauseExpiresAt
        FROM job_kinds
        WHERE kind = @Kind
        FOR UPDATE
        """;

    private const string ReadSql = """
        SELECT k.kind AS Kind, k.paused AS Paused, k.paused_by AS PausedBy, k.paused_at AS PausedAt,
               k.pause_reason AS PauseReason, k.pause_expires_at AS PauseExpiresAt
        FROM job_kinds k
        WHERE k.kind = @Kind
        """;

    private const string CountSql = "SELECT count(*) FROM jobs WHERE state = @State AND kind = @Kind";

    private const string ListExpiredSql = """
        SELECT kind AS Kind, paused_at AS PausedAt, pause_expires_at AS PauseExpiresAt
        FROM job_kinds
        WHERE paused AND pause_expires_at <= now()
        ORDER BY kind
        """;

    public static SqlStatement Lock(string kind) => SqlStatement.Of(LockSql, new { Kind = kind });

    /// <summary>A preview's read: the kind's row and how many of its jobs are in <paramref name="state"/>.</summary>
    public static async Task<(KindRow? Row, long Count)> ReadAsync(ActionReader reader, string kind, string state) =>
        (await reader.SingleOrDefaultAsync<KindRow>(SqlStatement.Of(ReadSql, new { Kind = kind })),
         await reader.SingleAsync<long>(SqlStatement.Of(CountSql, new { Kind = kind, State = state })));

    /// <summary>Kinds whose pause has expired, by the database clock.</summary>
    public static async Task<IReadOnlyList<KindRow>> ListExpiredAsync(NpgsqlConnection conn, CancellationToken ct) =>
        [.. await conn.QueryAsync<KindRow>(new CommandDefinition(ListExpiredSql, cancellationToken: ct))];
}
