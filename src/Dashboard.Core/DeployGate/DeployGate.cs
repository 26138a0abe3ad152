using Dapper;
using Dashboard.Core.Actions;
using Dashboard.Core.Database;
using Dashboard.Core.Readiness;
using Dashboard.Core.Security;

namespace Dashboard.Core.DeployGate;

/// <summary>
/// What a deploy script needs (docs/architecture.md, "Deploy gate"): <c>accepting</c>, <c>running</c>, <c>queued</c> and
/// <c>oldest_running_minutes</c> (whole minutes since the oldest processing job was leased; 0 when none runs).
/// </summary>
public sealed record DeployGateStatus(bool Accepting, long Running, long Queued, int OldestRunningMinutes);

/// <summary>
/// The deploy gate's Core: a cheap status read and intake pause/resume that go through <see cref="IOperatorActions"/>
/// like every other write, so they are permission-checked and audited with the caller (a deploy token's name) as actor.
/// </summary>
public sealed class DeployGate(Db db, IOperatorActions actions, ReadinessQueries readiness)
{
    /// <summary>Reason recorded when a deploy script pauses without giving one.</summary>
    public const string DefaultPauseReason = "deploy gate: pause intake";

    /// <summary>Reason recorded when a deploy script resumes without giving one.</summary>
    public const string DefaultResumeReason = "deploy gate: resume intake";

    // Reads only the live rows through jobs_live_idx (same predicate as the partial index), so its cost follows the
    // queue's live set, not its history.
    internal const string GetStatusSql = """
        SELECT coalesce((SELECT accepting FROM queue_control), true) AS Accepting,
               count(*) FILTER (WHERE state = 'processing') AS Running,
               count(*) FILTER (WHERE state = 'queued') AS Queued,
               coalesce(floor(extract(epoch FROM now() - min(leased_at) FILTER (WHERE state = 'processing')) / 60), 0)::int
                   AS OldestRunningMinutes
        FROM jobs
        WHERE state NOT IN ('done', 'failed')
        """;

    /// <summary>The gate's status now. Throws when the database is unreachable; never reports zeros instead.</summary>
    public async Task<DeployGateStatus> GetStatusAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleAsync<DeployGateStatus>(new CommandDefinition(GetStatusSql, cancellationToken: ct));
    }

    /// <summary>How many running jobs the gate names beside the verdict counts (the most urgent first).</summary>
    public const int ReadinessListLimit = 20;

    /// <summary>
    /// Every running job's verdict for a restart with <paramref name="grace"/> (counts over all of them, the most
    /// urgent few listed). Throws when the database is unreachable.
    /// </summary>
    public Task<ReadinessReport> GetReadinessAsync(TimeSpan grace, CancellationToken ct) =>
        readiness.GetReportAsync(grace, ReadinessListLimit, ct);

    /// <summary>
    /// Stops intake (<see cref="PauseIntake"/>): once this returns Applied or NoChange, intake is paused. Without an
    /// idempotency key each call is its own intent; pausing a paused gate is a recorded no-change.
    /// </summary>
    public Task<ActionResult> PauseAsync(Actor actor, string? reason = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        actions.ExecuteAsync(new PauseIntake(), actor, Reason(reason, DefaultPauseReason), Key(idempotencyKey), ct);

    /// <summary>
    /// Resumes intake (<see cref="ResumeIntake"/>). Sets the value, so it is safe to call on every failure path of a
    /// deploy: resuming an accepting gate is a recorded no-change.
    /// </summary>
    public Task<ActionResult> ResumeAsync(Actor actor, string? reason = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        actions.ExecuteAsync(new ResumeIntake(), actor, Reason(reason, DefaultResumeReason), Key(idempotencyKey), ct);

    private static string Reason(string? reason, string fallback) => string.IsNullOrWhiteSpace(reason) ? fallback : reason;

    private static string Key(string? key) => string.IsNullOrWhiteSpace(key) ? $"gate:{Guid.NewGuid():N}" : key;
}
