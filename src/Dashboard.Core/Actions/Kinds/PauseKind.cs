using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// Pauses a kind durably: <c>job_kinds.paused</c> is set (with who, when, why and an optional expiry) and the kind's
/// queued jobs become <c>paused</c>; jobs enqueued later are parked by the database. With <paramref name="ExpiresAt"/>
/// the pause is lifted by <see cref="IOperatorActions.ExpirePausesAsync"/> once that time has passed. The reason
/// given to <see cref="IOperatorActions.ExecuteAsync"/> becomes <c>job_kinds.pause_reason</c>.
/// </summary>
public sealed record PauseKind(string Kind, DateTimeOffset? ExpiresAt = null) : OperatorAction
{
    public override string Name => "pause_kind";

    public override string Permission => Permissions.PauseKind;

    internal override string? TargetKind => Kind;

    internal override void Validate() => RequireName(Kind, nameof(Kind));

    internal override void ValidateExecution()
    {
        if (ExpiresAt is { } expires && expires <= DateTimeOffset.UtcNow)
        {
            throw new ArgumentException("A pause's expiry must be in the future.", nameof(ExpiresAt));
        }
    }

    // Sets the value, never toggles: a kind that is already paused keeps who, when and why of the pause in force.
    private const string PauseSql = """
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

    private SqlStatement Pause() => SqlStatement.Of(
        PauseSql, new { Kind, Actor = SqlStatement.ActorName, Reason = SqlStatement.Reason, ExpiresAt = ExpiresAt?.ToUniversalTime() });

    private SqlStatement ParkQueued() => SqlStatement.Of(ParkQueuedSql, new { Kind });

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var (row, queued) = await KindRow.ReadAsync(reader, Kind, "queued");
        var kind = $"`{Kind}`";
        var alreadyPaused = row?.Paused == true;
        var summary = (alreadyPaused, queued) switch
        {
            (false, _) => $"pauses kind {kind} and parks its {ActionText.Jobs(queued)} queued as paused"
                + (ExpiresAt is { } until ? $"; resumes by itself at {ActionText.Time(until)}" : ""),
            (true, 0) => $"no change: kind {kind} is already paused (by {row!.PausedBy ?? "unknown"} at {ActionText.Time(row.PausedAt)})",
            (true, _) => $"kind {kind} is already paused; parks {ActionText.Jobs(queued)} queued since",
        };
        return new ActionPreview(this, summary, (alreadyPaused ? 0 : 1) + queued, [KindRow.Lock(Kind), Pause(), ParkQueued()]);
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var before = await c.SingleOrDefaultAsync<KindRow>(KindRow.Lock(Kind));
        var changed = await c.SingleOrDefaultAsync<KindRow>(Pause());
        var parked = await c.ExecuteAsync(ParkQueued());
        var after = changed ?? await c.SingleAsync<KindRow>(KindRow.Lock(Kind));

        var kind = $"`{Kind}`";
        var (outcome, message) = (changed is not null, parked) switch
        {
            (true, _) => (ActionOutcome.Applied, $"paused kind {kind}; parked {ActionText.Jobs(parked)} queued as paused"
                + (ExpiresAt is { } until ? $"; resumes by itself at {ActionText.Time(until)}" : "")),
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
}
