using System.Data;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Dashboard.Core.Audit;
using Dashboard.Core.Database;
using Dashboard.Core.Security;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Core.Actions;

/// <summary>
/// The choke point for every operator write: preview, then one transaction that checks the
/// permission, makes the guarded change and appends the audit entry before it commits. A failure anywhere before the
/// commit leaves neither the change nor the entry.
/// </summary>
public sealed class OperatorActions(Db db, IOptions<DashboardOptions> options) : IOperatorActions
{
    /// <summary>Longest reason accepted, after trimming and removing control characters.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>Longest idempotency key accepted.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>The actor of changes the console makes by itself, such as lifting an expired pause.</summary>
    public static Actor SystemActor { get; } = new("system", "system", null, Roles.Admin);

    // Advisory-lock namespace for idempotency keys (the second number is the key's hash).
    private const int IdempotencyLockSpace = 7302;

    /// <summary>An action waits this long at most for a row another transaction holds, then fails instead of hanging the page.</summary>
    internal static SqlStatement BeginStatement { get; } = SqlStatement.Of("SET LOCAL lock_timeout = '10s'");

    // Orders executions that share a key: the second waits for the first to commit, then finds its entry.
    private const string LockKeySql = "SELECT pg_advisory_xact_lock(@Space, hashtext(@Key))";

    private const string FindByKeySql = """
        SELECT seq AS Seq, action AS Action, target_kind AS TargetKind, target_job_id AS TargetJobId,
               target_worker AS TargetWorker, rows_affected AS RowsAffected, outcome AS Outcome
        FROM audit_log
        WHERE idempotency_key = @Key
        """;

    /// <summary>Runs between BEGIN and taking the idempotency lock (tests use it to start two executions together).</summary>
    internal Func<CancellationToken, Task>? AfterBeginForTesting { get; set; }

    /// <summary>Runs after the change and before the audit entry is appended (tests use it to fail in between).</summary>
    internal Func<CancellationToken, Task>? BeforeAuditForTesting { get; set; }

    /// <inheritdoc />
    public async Task<ActionPreview> PreviewAsync(OperatorAction action, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(action);
        action.Validate();
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await conn.ExecuteAsync(new CommandDefinition("SET TRANSACTION READ ONLY", transaction: tx, cancellationToken: ct));
        var preview = await action.PreviewAsync(new ActionReader(conn, tx, options.Value, ct));
        await tx.CommitAsync(ct);
        return preview;
    }

    /// <inheritdoc />
    public Task<ActionResult> ExecuteAsync(OperatorAction action, Actor actor, string reason, string idempotencyKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(actor);
        action.Validate();
        if (string.IsNullOrWhiteSpace(actor.Name) || string.IsNullOrWhiteSpace(actor.AuthMethod))
        {
            throw new ArgumentException("The actor needs a name and a sign-in method.", nameof(actor));
        }

        action.ValidateExecution();
        return ExecuteCoreAsync(action, actor, NormalizeReason(reason), NormalizeIdempotencyKey(idempotencyKey), ct);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ActionResult>> ExpirePausesAsync(CancellationToken ct)
    {
        IReadOnlyList<KindRow> expired;
        await using (var conn = await db.OpenAsync(ct))
        {
            expired = await KindRow.ListExpiredAsync(conn, ct);
        }

        var results = new List<ActionResult>();
        foreach (var kind in expired)
        {
            // One key per pause (kind and when it was paused): instances sweeping at once lift it once.
            var key = "expire-pause:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                kind.Kind + "\n" + kind.PausedAt?.ToString("O", CultureInfo.InvariantCulture))));
            var reason = $"pause expired at {ActionText.Time(kind.PauseExpiresAt)}";
            results.Add(await ExecuteCoreAsync(new ResumeKind(kind.Kind) { OnlyIfExpired = true }, SystemActor, reason, key, ct));
        }

        return results;
    }

    /// <summary>
    /// The reason as stored: control characters (and bidirectional-text overrides) removed, line breaks and tabs turned
    /// into spaces, trimmed. Throws <see cref="ArgumentException"/> when nothing is left or it is longer than
    /// <see cref="MaxReasonLength"/>.
    /// </summary>
    public static string NormalizeReason(string? reason)
    {
        var builder = new StringBuilder(reason?.Length ?? 0);
        var text = reason ?? "";
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(ch).Append(text[++i]);
            }
            else if (ch is '\n' or '\r' or '\t')
            {
                builder.Append(' ');
            }
            else if (!char.IsControl(ch) && !char.IsSurrogate(ch) && !IsBidiControl(ch))
            {
                builder.Append(ch);
            }
        }

        var clean = builder.ToString().Trim();
        if (clean.Length == 0)
        {
            throw new ArgumentException("A reason is required.", nameof(reason));
        }

        if (clean.Length > MaxReasonLength)
        {
            throw new ArgumentException($"The reason is {clean.Length} characters long; at most {MaxReasonLength} are allowed.", nameof(reason));
        }

        return clean;
    }

    private static bool IsBidiControl(char ch) => ch is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';

    private static string NormalizeIdempotencyKey(string? key)
    {
        var clean = key?.Trim() ?? "";
        if (clean.Length == 0)
        {
            throw new ArgumentException("An idempotency key is required.", nameof(key));
        }

        if (clean.Length > MaxIdempotencyKeyLength || clean.Any(char.IsControl))
        {
            throw new ArgumentException($"An idempotency key has at most {MaxIdempotencyKeyLength} characters and no control characters.", nameof(key));
        }

        return clean;
    }

    private async Task<ActionResult> ExecuteCoreAsync(OperatorAction action, Actor actor, string reason, string key, CancellationToken ct)
    {
        try
        {
            return await ExecuteOnceAsync(action, actor, reason, key, ct);
        }
        catch (PostgresException ex) when (ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "audit_log_idempotency_idx" })
        {
            // Only reachable if something wrote the key without the advisory lock; the first writer's result stands.
            await using var conn = await db.OpenAsync(ct);
            var first = await conn.QuerySingleAsync<KeyRow>(new CommandDefinition(FindByKeySql, new { Key = key }, cancellationToken: ct));
            return Replay(first, action, key);
        }
    }

    private async Task<ActionResult> ExecuteOnceAsync(OperatorAction action, Actor actor, string reason, string key, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await conn.ExecuteAsync(BeginStatement.Command(tx, ct));
        if (AfterBeginForTesting is { } afterBegin)
        {
            await afterBegin(ct);
        }

        await conn.ExecuteAsync(new CommandDefinition(LockKeySql, new { Space = IdempotencyLockSpace, Key = key }, tx, cancellationToken: ct));
        var first = await conn.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(FindByKeySql, new { Key = key }, tx, cancellationToken: ct));
        if (first is not null)
        {
            await tx.RollbackAsync(ct);
            return Replay(first, action, key);
        }

        Change change;
        if (!actor.Can(action.Permission))
        {
            // Recorded like any other attempt; nothing else is touched.
            change = new Change(ActionOutcome.Denied, ActionText.Denied(actor, action), 0, null, null);
        }
        else
        {
            change = await action.ApplyAsync(new ActionContext(conn, tx, actor, reason, options.Value, ct));
        }

        if (BeforeAuditForTesting is { } beforeAudit)
        {
            await beforeAudit(ct);
        }

        var seq = await AuditLog.AppendAsync(conn, tx, new AuditRecord(
            actor,
            action.Name,
            change.TargetKind ?? action.TargetKind,
            action.TargetJobId,
            action.TargetWorker,
            reason,
            ActionText.Json(change.Before),
            ActionText.Json(change.After),
            change.RowsAffected,
            change.Outcome,
            change.Message,
            key), ct);
        await tx.CommitAsync(ct);
        return new ActionResult(change.Outcome, change.Message, change.RowsAffected, seq, Replayed: false);
    }

    private static ActionResult Replay(KeyRow first, OperatorAction action, string key)
    {
        var sameIntent = first.Action == action.Name
            && first.TargetJobId == action.TargetJobId
            && first.TargetWorker == action.TargetWorker
            && (action.TargetKind is null || first.TargetKind == action.TargetKind);
        if (!sameIntent)
        {
            throw new ArgumentException(
                $"The idempotency key '{key}' was already used for a different action (audit entry {first.Seq}).", nameof(key));
        }

        var (code, message) = ActionOutcomeCodes.Split(first.Outcome);
        var outcome = ActionOutcomeCodes.FromCode(code) ?? ActionOutcome.Applied;
        return new ActionResult(outcome, message, first.RowsAffected, first.Seq, Replayed: true);
    }

    private sealed class KeyRow
    {
        public long Seq { get; init; }
        public string Action { get; init; } = "";
        public string? TargetKind { get; init; }
        public long? TargetJobId { get; init; }
        public string? TargetWorker { get; init; }
        public int RowsAffected { get; init; }
        public string Outcome { get; init; } = "";
    }
}
