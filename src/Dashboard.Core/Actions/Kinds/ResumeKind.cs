using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>Resumes a kind: <c>job_kinds.paused</c> becomes false and the kind's paused jobs are queued again. Sets a value; never toggles.</summary>
public sealed record ResumeKind(string Kind) : OperatorAction
{
    public override string Name => "resume_kind";

    public override string Permission => Permissions.ResumeKind;

    /// <summary>Resume only a pause whose expiry has passed (the expiry sweep; never lifts a newer pause).</summary>
    internal bool OnlyIfExpired { get; init; }

    internal override string? TargetKind => Kind;

    internal override void Validate() => RequireName(Kind, nameof(Kind));

    // OnlyIfExpired is the expiry sweep's guard: it never lifts a pause that was renewed after the sweep looked.
    private const string ResumeSql = """
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

    private SqlStatement Resume() => SqlStatement.Of(ResumeSql, new { Kind, OnlyIfExpired });

    private SqlStatement RequeuePaused() => SqlStatement.Of(RequeuePausedSql, new { Kind });

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var (row, paused) = await KindRow.ReadAsync(reader, Kind, "paused");
        var kind = $"`{Kind}`";
        var isPaused = row?.Paused == true;
        var summary = (isPaused, paused) switch
        {
            (true, _) => $"resumes kind {kind} and requeues its {ActionText.Jobs(paused)} paused",
            (false, 0) => $"no change: kind {kind} is not paused and has no paused jobs",
            (false, _) => $"kind {kind} is not paused; requeues its {ActionText.Jobs(paused)} still marked paused",
        };
        return new ActionPreview(this, summary, (isPaused ? 1 : 0) + paused, [KindRow.Lock(Kind), Resume(), RequeuePaused()]);
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var before = await c.SingleOrDefaultAsync<KindRow>(KindRow.Lock(Kind));
        var changed = await c.SingleOrDefaultAsync<KindRow>(Resume());
        var kind = $"`{Kind}`";
        if (OnlyIfExpired && changed is null)
        {
            var state = before?.Paused == true
                ? $"its pause now expires at {(before.PauseExpiresAt is null ? "no set time" : ActionText.Time(before.PauseExpiresAt))}"
                : "it is not paused";
            return new Change(ActionOutcome.NoChange, $"kind {kind} was not resumed: {state}", 0, new { JobKind = before }, new { JobKind = before });
        }

        var requeued = await c.ExecuteAsync(RequeuePaused());
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
}
