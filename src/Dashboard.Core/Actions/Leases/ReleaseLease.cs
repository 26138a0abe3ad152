using Dashboard.Core.Security;

namespace Dashboard.Core.Actions;

/// <summary>
/// Releases one lease, compare-and-set on what the operator saw (job id, <c>leased_by</c>, lease token): the job goes
/// back to <c>queued</c> (or <c>paused</c> when its kind is paused) with a new lease token, fencing the old holder out.
/// If the lease moved on, nothing changes and the result says what the job is now.
/// </summary>
public sealed record ReleaseLease(long JobId, string? ExpectedLeasedBy, Guid? ExpectedLeaseToken) : OperatorAction
{
    public override string Name => "release_lease";

    public override string Permission => Permissions.ReleaseLease;

    internal override long? TargetJobId => JobId;

    internal override string? TargetWorker => ExpectedLeasedBy;

    private const string GetJobSql = "SELECT " + LeaseRow.Columns + "\nFROM jobs\nWHERE id = @JobId";

    // Locks the job so that "what it is now" in a refusal is what the compare-and-set saw.
    private const string LockJobSql = GetJobSql + "\nFOR UPDATE";

    // Compare-and-set on what the operator saw. The new token fences the old holder out; the park trigger turns
    // 'queued' into 'paused' when the job's kind is paused.
    private const string ReleaseSql = """
        UPDATE jobs
        SET state = 'queued', leased_by = NULL, leased_at = NULL, heartbeat_at = NULL,
            lease_token = gen_random_uuid(), updated_at = now()
        WHERE id = @JobId AND state = 'processing'
          AND leased_by IS NOT DISTINCT FROM @ExpectedLeasedBy
          AND lease_token IS NOT DISTINCT FROM @ExpectedLeaseToken
        RETURNING
        """ + " " + LeaseRow.Columns;

    private SqlStatement LockJob() => SqlStatement.Of(LockJobSql, new { JobId });

    private SqlStatement Release() => SqlStatement.Of(ReleaseSql, new { JobId, ExpectedLeasedBy, ExpectedLeaseToken });

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var job = await reader.SingleOrDefaultAsync<LeaseRow>(SqlStatement.Of(GetJobSql, new { JobId }));
        var matches = job is { State: "processing" } && job.LeasedBy == ExpectedLeasedBy && job.LeaseToken == ExpectedLeaseToken;
        var summary = matches
            ? $"releases job {JobId} (kind `{job!.Kind}`), held by {job.LeasedBy ?? "nobody"} since {ActionText.Time(job.LeasedAt)}; "
                + "it goes back to queued (paused if its kind is paused) with a new lease token"
            : $"no change: {MovedOn(job)}";
        return new ActionPreview(this, summary, matches ? 1 : 0, [LockJob(), Release()])
        {
            Outcome = matches ? ActionOutcome.Applied : ActionOutcome.Refused,
            TargetKind = job?.Kind,
        };
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var before = await c.SingleOrDefaultAsync<LeaseRow>(LockJob());
        var after = await c.SingleOrDefaultAsync<LeaseRow>(Release());
        if (after is null)
        {
            var expected = new { Id = JobId, State = "processing", LeasedBy = ExpectedLeasedBy, LeaseToken = ExpectedLeaseToken };
            return new Change(ActionOutcome.Refused, MovedOn(before), 0, expected, before, before?.Kind);
        }

        var message = $"released job {JobId} (kind `{after.Kind}`), held by {before!.LeasedBy ?? "nobody"} since {ActionText.Time(before.LeasedAt)}; "
            + (after.State == "paused" ? "it is paused because its kind is paused" : $"it is {after.State} with a new lease token");
        return new Change(ActionOutcome.Applied, message, 1, before, after, after.Kind);
    }

    /// <summary>Why a release would not apply, in the operator's terms.</summary>
    private string MovedOn(LeaseRow? job)
    {
        if (job is null)
        {
            return $"job {JobId} no longer exists";
        }

        if (job.State != "processing")
        {
            return job.State is "queued" or "paused"
                ? $"job {JobId} is already released (it is {job.State} now)"
                : $"job {JobId} is already {job.State}";
        }

        if (job.LeasedBy != ExpectedLeasedBy)
        {
            return $"job {JobId} is now held by {job.LeasedBy ?? "nobody"} (since {ActionText.Time(job.LeasedAt)})";
        }

        return $"job {JobId} was claimed again by {job.LeasedBy ?? "nobody"} at {ActionText.Time(job.LeasedAt)} (new lease)";
    }
}
