namespace Dashboard.Core.Jobs;

/// <summary>
/// What retry, discard and run-now do to a job, written once: the states each applies to (the guard, re-checked inside
/// the statement) and the columns it sets. The single-job actions and the bulk operations use the same fragments.
/// </summary>
public static class JobTransitions
{
    /// <summary>The explorer's three job actions.</summary>
    public enum Kind
    {
        Retry,
        Discard,
        RunNow,
    }

    /// <summary>Back to <c>queued</c> now with the attempts reset; last error and error history are kept.</summary>
    private const string RetrySet = """
        state = 'queued', attempts = 0, run_at = now(), finished_at = NULL, leased_by = NULL, leased_at = NULL,
            heartbeat_at = NULL, lease_token = NULL, updated_at = now()
        """;

    /// <summary>Terminal: no worker statement touches a discarded job. Who ran it last stays, like a final failure.</summary>
    private const string DiscardSet = """
        state = 'discarded', finished_at = now(), heartbeat_at = NULL, lease_token = NULL, updated_at = now()
        """;

    /// <summary>Due now: the next claim takes it (oldest run_at first).</summary>
    private const string RunNowSet = """
        run_at = now(), updated_at = now()
        """;

    /// <summary>The <c>SET</c> list of <paramref name="kind"/> (for <c>UPDATE jobs j SET …</c>).</summary>
    public static string Set(Kind kind) => kind switch
    {
        Kind.Retry => RetrySet,
        Kind.Discard => DiscardSet,
        _ => RunNowSet,
    };

    /// <summary>The condition a job must meet (alias <c>j</c>): failed or discarded for retry; queued, paused or failed for discard; queued and not yet due for run-now.</summary>
    public static string Guard(Kind kind) => kind switch
    {
        Kind.Retry => "j.state IN ('failed', 'discarded')",
        Kind.Discard => "j.state IN ('queued', 'paused', 'failed')",
        _ => "j.state = 'queued' AND j.run_at > now()",
    };

    /// <summary>Whether a job in <paramref name="state"/>, due at <paramref name="runAt"/>, is eligible at <paramref name="now"/>.</summary>
    public static bool Applies(Kind kind, string state, DateTimeOffset runAt, DateTimeOffset now) => kind switch
    {
        Kind.Retry => state is JobStates.Failed or JobStates.Discarded,
        Kind.Discard => state is JobStates.Queued or JobStates.Paused or JobStates.Failed,
        _ => state == JobStates.Queued && runAt > now,
    };

    /// <summary>The action's name in the audit log (<c>retry_job</c>, …); bulk operations prefix <c>bulk_</c>.</summary>
    public static string Name(Kind kind) => kind switch
    {
        Kind.Retry => "retry_job",
        Kind.Discard => "discard_job",
        _ => "run_job_now",
    };

    /// <summary>What an operator reads: "retry", "discard", "run now".</summary>
    public static string Verb(Kind kind) => kind switch
    {
        Kind.Retry => "retry",
        Kind.Discard => "discard",
        _ => "run now",
    };

    /// <summary>The permission each needs.</summary>
    public static string Permission(Kind kind) => kind switch
    {
        Kind.Retry => Security.Permissions.RetryJobs,
        Kind.Discard => Security.Permissions.DiscardJobs,
        _ => Security.Permissions.RunJobsNow,
    };
}
