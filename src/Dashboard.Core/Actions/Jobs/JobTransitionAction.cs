using Dashboard.Core.Jobs;
using static Dashboard.Core.Database.DbTime;

namespace Dashboard.Core.Actions;

/// <summary>
/// An action on one job, compare-and-set on the state the operator saw (<see cref="ExpectedState"/>) and re-checked
/// against the action's own rule (<see cref="JobTransitions.Guard"/>) inside the statement. A job that moved on is
/// refused, and the result says what it is now.
/// </summary>
public abstract record JobTransitionAction(long JobId, string ExpectedState) : OperatorAction
{
    private protected abstract JobTransitions.Kind Transition { get; }

    public override string Name => JobTransitions.Name(Transition);

    public override string Permission => JobTransitions.Permission(Transition);

    internal override long? TargetJobId => JobId;

    internal override void Validate() => RequireName(ExpectedState, nameof(ExpectedState));

    private const string GetSql = "SELECT " + JobRow.Columns + ", now() AS Now\nFROM jobs j\nWHERE j.id = @JobId";

    // Locks the job so that "what it is now" in a refusal is what the compare-and-set saw.
    private const string LockSql = "SELECT " + JobRow.Columns + "\nFROM jobs j\nWHERE j.id = @JobId\nFOR UPDATE";

    private SqlStatement Lock() => SqlStatement.Of(LockSql, new { JobId });

    // Compare-and-set on the state the operator saw, and the action's rule re-checked under the row lock.
    private SqlStatement Change() => SqlStatement.Of(
        $"UPDATE jobs j\nSET {JobTransitions.Set(Transition)}\nWHERE j.id = @JobId AND j.state = @ExpectedState\n  AND {JobTransitions.Guard(Transition)}\nRETURNING {JobRow.Columns}",
        new { JobId, ExpectedState });

    internal override async Task<ActionPreview> PreviewAsync(ActionReader reader)
    {
        var read = await reader.SingleOrDefaultAsync<PreviewRow>(SqlStatement.Of(GetSql, new { JobId }));
        JobRow? job = read;
        var applies = read is not null && read.State == ExpectedState
            && JobTransitions.Applies(Transition, read.State, Utc(read.RunAt), Utc(read.Now));
        var summary = applies ? Describe(job!) : $"no change: {MovedOn(job)}";
        return new ActionPreview(this, summary, applies ? 1 : 0, [Lock(), Change()])
        {
            Outcome = applies ? ActionOutcome.Applied : job?.State == ExpectedState ? ActionOutcome.NoChange : ActionOutcome.Refused,
            TargetKind = job?.Kind,
        };
    }

    internal override async Task<Change> ApplyAsync(ActionContext c)
    {
        var before = await c.SingleOrDefaultAsync<JobRow>(Lock());
        var after = await c.SingleOrDefaultAsync<JobRow>(Change());
        if (after is null)
        {
            // Same state as seen but the rule does not hold (e.g. run-now of a job already due): nothing to do.
            var outcome = before?.State == ExpectedState ? ActionOutcome.NoChange : ActionOutcome.Refused;
            return new Change(outcome, MovedOn(before), 0, new { Id = JobId, State = ExpectedState }, before, before?.Kind);
        }

        return new Change(ActionOutcome.Applied, Done(before!, after), 1, before, after, after.Kind);
    }

    /// <summary>The preview's sentence for a job the action applies to.</summary>
    private protected abstract string Describe(JobRow job);

    /// <summary>The result's sentence once applied.</summary>
    private protected abstract string Done(JobRow before, JobRow after);

    private string MovedOn(JobRow? job) => job switch
    {
        null => $"job {JobId} no longer exists",
        _ when job.State != ExpectedState => $"job {JobId} is now {job.Describe()}, not {ExpectedState}",
        _ => $"job {JobId} cannot {JobTransitions.Verb(Transition)}: it is {job.Describe()}",
    };

    private sealed class PreviewRow : JobRow
    {
        public DateTime Now { get; init; }
    }
}

/// <summary>Retries a failed (or discarded) job: back to <c>queued</c> now, attempts reset, error history kept.</summary>
public sealed record RetryJob(long JobId, string ExpectedState = JobStates.Failed) : JobTransitionAction(JobId, ExpectedState)
{
    private protected override JobTransitions.Kind Transition => JobTransitions.Kind.Retry;

    private protected override string Describe(JobRow job) =>
        $"retries job {job.Id} (kind `{job.Kind}`, {job.Describe()}): back to queued now with attempts reset to 0 of {job.MaxAttempts}; its error history is kept";

    private protected override string Done(JobRow before, JobRow after) =>
        $"retried job {after.Id} (kind `{after.Kind}`): it is {after.State} now, attempts reset (was {before.Attempts} of {before.MaxAttempts})";
}

/// <summary>Discards a queued, paused or failed job: terminal state <c>discarded</c>, never claimed again.</summary>
public sealed record DiscardJob(long JobId, string ExpectedState) : JobTransitionAction(JobId, ExpectedState)
{
    private protected override JobTransitions.Kind Transition => JobTransitions.Kind.Discard;

    private protected override string Describe(JobRow job) =>
        $"discards job {job.Id} (kind `{job.Kind}`, {job.Describe()}): it becomes discarded and no worker will run it";

    private protected override string Done(JobRow before, JobRow after) =>
        $"discarded job {after.Id} (kind `{after.Kind}`), which was {before.State}";
}

/// <summary>Runs a scheduled or backing-off job now: its <c>run_at</c> becomes now, so the next claim takes it.</summary>
public sealed record RunJobNow(long JobId) : JobTransitionAction(JobId, JobStates.Queued)
{
    private protected override JobTransitions.Kind Transition => JobTransitions.Kind.RunNow;

    private protected override string Describe(JobRow job) =>
        $"runs job {job.Id} (kind `{job.Kind}`) now instead of at {ActionText.Time(job.RunAt)}";

    private protected override string Done(JobRow before, JobRow after) =>
        $"job {after.Id} (kind `{after.Kind}`) is due now instead of at {ActionText.Time(before.RunAt)}";
}
