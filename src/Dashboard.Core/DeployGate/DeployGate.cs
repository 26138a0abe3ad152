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

    // Running and the oldest running job come from job_leases, the view the snapshot and the drain view read, so
    // the gate and the console agree. Both use the live indexes (jobs_live_idx, jobs_claim_idx), never the history.
    internal const string GetStatusSql = """
        SELECT coalesce((SELECT accepting FROM queue_control), true) AS Accepting,
               (SELECT count(*) FROM job_leases) AS Running,
               (SELECT count(*) FROM jobs WHERE state = 'queued') AS Queued,
               coalesce(floor(extract(epoch FROM now() - (SELECT min(running_since) FROM job_leases)) / 60), 0)::int
                   AS OldestRunningMinutes
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
