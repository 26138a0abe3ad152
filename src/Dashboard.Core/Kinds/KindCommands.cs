using Dapper;
using Dashboard.Core.Actions;
using Npgsql;

namespace Dashboard.Core.Kinds;

/// <summary>
/// Pause and resume of a kind: the SQL behind <see cref="PauseKind"/> and <see cref="ResumeKind"/>. Internal: the only
/// way in is <see cref="OperatorActions"/>, which wraps each call in a transaction with its audit entry.
/// </summary>
internal static class KindCommands
{
    private const string PreviewSql = """
        SELECT k.kind AS Kind, k.paused AS Paused, k.paused_by AS PausedBy, k.paused_at AS PausedAt,
               k.pause_reason AS PauseReason, k.pause_expires_at AS PauseExpiresAt
        FROM job_kinds k
        WHERE k.kind = @Kind;
        SELECT count(*) FROM jobs WHERE state = @State AND kind = @Kind;
        """;

    public static async Task<ActionPreview> PreviewPauseAsync(NpgsqlConnection conn, NpgsqlTransaction tx, PauseKind action, CancellationToken ct)
    {
        var (row, queued) = await ReadAsync(conn, tx, action.Kind, "queued", ct);
        var kind = $"`{action.Kind}`";
        var alreadyPaused = row?.Paused == true;
        var summary = (alreadyPaused, queued) switch
        {
            (false, _) => $"pauses kind {kind} and parks its {ActionText.Jobs(queued)} queued as paused"
                + (action.ExpiresAt is { } until ? $"; resumes by itself at {ActionText.Time(until)}" : ""),
            (true, 0) => $"no change: kind {kind} is already paused (by {row!.PausedBy ?? "unknown"} at {ActionText.Time(row.PausedAt)})",
            (true, _) => $"kind {kind} is already paused; parks {ActionText.Jobs(queued)} queued since",
        };
        var sql = $"""
            -- inserts the kind's row when it has none; a kind that is already paused keeps who, when and why
            UPDATE job_kinds SET paused = true, paused_by = :actor, paused_at = now(), pause_reason = :reason,
                   pause_expires_at = {ActionText.Literal(action.ExpiresAt)}
            WHERE kind = {ActionText.Literal(action.Kind)} AND NOT paused;
            UPDATE jobs SET state = 'paused' WHERE state = 'queued' AND kind = {ActionText.Literal(action.Kind)};
            """;
        return new ActionPreview(action, summary, (alreadyPaused ? 0 : 1) + queued, sql);
    }

    public static async Task<ActionPreview> PreviewResumeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, ResumeKind action, CancellationToken ct)
    {
        var (row, paused) = await ReadAsync(conn, tx, action.Kind, "paused", ct);
        var kind = $"`{action.Kind}`";
        var isPaused = row?.Paused == true;
        var summary = (isPaused, paused) switch
        {
            (true, _) => $"resumes kind {kind} and requeues its {ActionText.Jobs(paused)} paused",
            (false, 0) => $"no change: kind {kind} is not paused and has no paused jobs",
            (false, _) => $"kind {kind} is not paused; requeues its {ActionText.Jobs(paused)} still marked paused",
        };
        var sql = $"""
            UPDATE job_kinds SET paused = false, paused_by = NULL, paused_at = NULL, pause_reason = NULL, pause_expires_at = NULL
            WHERE kind = {ActionText.Literal(action.Kind)} AND paused;
            UPDATE jobs SET state = 'queued' WHERE state = 'paused' AND kind = {ActionText.Literal(action.Kind)};
            """;
        return new ActionPreview(action, summary, (isPaused ? 1 : 0) + paused, sql);
    }

    private static async Task<(KindRow? Row, long Count)> ReadAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string kind, string state, CancellationToken ct)
    {
        await using var grid = await conn.QueryMultipleAsync(new CommandDefinition(PreviewSql, new { Kind = kind, State = state }, tx, cancellationToken: ct));
        var row = await grid.ReadSingleOrDefaultAsync<KindRow>();
        var count = await grid.ReadSingleAsync<long>();
        return (row, count);
    }

    // Locks the kind's row (when it exists) so the before state is the one the change applies to.
    private const string LockKindSql = """
        SELECT kind AS Kind, paused AS Paused, paused_by AS PausedBy, paused_at AS PausedAt,
               pause_reason AS PauseReason, pause_expires_at AS PauseExpiresAt
        FROM job_kinds
        WHERE kind = @Kind
        FOR UPDATE
        """;

    // Sets the value, never toggles: a kind that is already paused keeps who, when and why of the pause in force.
    private const string PauseKindSql = """
        INSERT INTO job_kinds AS k (kind, paused, paused_by, paused_at, pause_reason, pause_expires_at, updated_at)
        VALUES (@Kind, true, @Actor, now(), @Reason, @ExpiresAt, now())
        ON CONFLICT (kind) DO UPDATE
        SET paused = true, paused_by = EXCLUDED.paused_by, paused_at = EXCLUDED.paused_at,
            pause_reason = EXCLUDED.pause_reason, pause_expires_at = EXCLUDED.pause_expires_at, updated_at = now()
        WHERE NOT k.paused
        RETURNING kind AS Kind, paused AS Paused, paused_by AS PausedBy, paused_at AS PausedAt,
                  pause_reason AS PauseReason, pause_expires_at AS PauseExpiresAt
        """;

    // The runbook's statement. Jobs that become queued later are parked by the jobs_park_paused_kind trigger.
    private const string ParkQueuedSql = """
        UPDATE jobs SET state = 'paused', updated_at = now()
        WHERE state = 'queued' AND kind = @Kind
        """;

    public static async Task<Change> PauseAsync(ActionContext c, PauseKind action)
    {
        var before = await c.Connection.QuerySingleOrDefaultAsync<KindRow>(
            new CommandDefinition(LockKindSql, new { action.Kind }, c.Transaction, cancellationToken: c.Ct));
        var changed = await c.Connection.QuerySingleOrDefaultAsync<KindRow>(new CommandDefinition(
            PauseKindSql,
            new { action.Kind, Actor = c.Actor.Name, c.Reason, ExpiresAt = action.ExpiresAt?.ToUniversalTime() },
            c.Transaction,
            cancellationToken: c.Ct));
        var parked = await c.Connection.ExecuteAsync(new CommandDefinition(ParkQueuedSql, new { action.Kind }, c.Transaction, cancellationToken: c.Ct));
        var after = changed ?? await c.Connection.QuerySingleAsync<KindRow>(
            new CommandDefinition(LockKindSql, new { action.Kind }, c.Transaction, cancellationToken: c.Ct));

        var kind = $"`{action.Kind}`";
        var (outcome, message) = (changed is not null, parked) switch
        {
            (true, _) => (ActionOutcome.Applied, $"paused kind {kind}; parked {ActionText.Jobs(parked)} queued as paused"
                + (action.ExpiresAt is { } until ? $"; resumes by itself at {ActionText.Time(until)}" : "")),
            (false, 0) => (ActionOutcome.NoChange, $"kind {kind} is already paused (by {after.PausedBy ?? "unknown"} at {ActionText.Time(after.PausedAt)})"),
            (false, _) => (ActionOutcome.Applied, $"kind {kind} was already paused; parked {ActionText.Jobs(parked)} queued since"),
        };
        return new Change(
            outcome,
            message,
            (changed is null ? 0 : 1) + parked,
            new { JobKind = before, QueuedJobs = parked },
            new { JobKind = after, JobsParked = parked });
    }

    // OnlyIfExpired is the expiry sweep's guard: it never lifts a pause that was renewed after the sweep looked.
    private const string ResumeKindSql = """
        UPDATE job_kinds
        SET paused = false, paused_by = NULL, paused_at = NULL, pause_reason = NULL, pause_expires_at = NULL, updated_at = now()
        WHERE kind = @Kind AND paused
          AND (NOT @OnlyIfExpired OR pause_expires_at <= now())
        RETURNING kind AS Kind, paused AS Paused, paused_by AS PausedBy, paused_at AS PausedAt,
                  pause_reason AS PauseReason, pause_expires_at AS PauseExpiresAt
        """;

    // Also requeues jobs paused by hand (the runbook's UPDATE) while the kind itself was never paused.
    private const string RequeuePausedSql = """
        UPDATE jobs SET state = 'queued', updated_at = now()
        WHERE state = 'paused' AND kind = @Kind
        """;

    public static async Task<Change> ResumeAsync(ActionContext c, ResumeKind action)
    {
        var before = await c.Connection.QuerySingleOrDefaultAsync<KindRow>(
            new CommandDefinition(LockKindSql, new { action.Kind }, c.Transaction, cancellationToken: c.Ct));
        var changed = await c.Connection.QuerySingleOrDefaultAsync<KindRow>(new CommandDefinition(
            ResumeKindSql, new { action.Kind, action.OnlyIfExpired }, c.Transaction, cancellationToken: c.Ct));
        var kind = $"`{action.Kind}`";
        if (action.OnlyIfExpired && changed is null)
        {
            var state = before?.Paused == true
                ? $"its pause now expires at {(before.PauseExpiresAt is null ? "no set time" : ActionText.Time(before.PauseExpiresAt))}"
                : "it is not paused";
            return new Change(ActionOutcome.NoChange, $"kind {kind} was not resumed: {state}", 0, new { JobKind = before }, new { JobKind = before });
        }

        var requeued = await c.Connection.ExecuteAsync(new CommandDefinition(RequeuePausedSql, new { action.Kind }, c.Transaction, cancellationToken: c.Ct));
        var after = changed ?? before;
        var (outcome, message) = (changed is not null, requeued) switch
        {
            (true, _) => (ActionOutcome.Applied, $"resumed kind {kind}; requeued {ActionText.Jobs(requeued)}"),
            (false, 0) => (ActionOutcome.NoChange, $"kind {kind} is not paused and has no paused jobs"),
            (false, _) => (ActionOutcome.Applied, $"kind {kind} was not paused; requeued {ActionText.Jobs(requeued)} still marked paused"),
        };
        return new Change(
            outcome,
            message,
            (changed is null ? 0 : 1) + requeued,
            new { JobKind = before, PausedJobs = requeued },
            new { JobKind = after, JobsRequeued = requeued });
    }

    private const string ListExpiredSql = """
        SELECT kind AS Kind, paused_at AS PausedAt, pause_expires_at AS PauseExpiresAt
        FROM job_kinds
        WHERE paused AND pause_expires_at <= now()
        ORDER BY kind
        """;

    /// <summary>Kinds whose pause has expired, by the database clock.</summary>
    public static async Task<IReadOnlyList<KindRow>> ListExpiredAsync(NpgsqlConnection conn, CancellationToken ct) =>
        [.. await conn.QueryAsync<KindRow>(new CommandDefinition(ListExpiredSql, cancellationToken: ct))];

    /// <summary>A kind's pause columns, as read and as written to the audit log's before/after.</summary>
    internal sealed class KindRow
    {
        public string Kind { get; init; } = "";
        public bool Paused { get; init; }
        public string? PausedBy { get; init; }
        public DateTime? PausedAt { get; init; }
        public string? PauseReason { get; init; }
        public DateTime? PauseExpiresAt { get; init; }
    }
}
