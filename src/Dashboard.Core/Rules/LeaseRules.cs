namespace Dashboard.Core.Rules;

/// <summary>
/// The one SQL spelling of each queue rule. The rules themselves are SQL functions and a view created by migration
/// 0004 (<c>job_lease_timeout</c>, <c>job_lease_is_stuck</c>, <c>worker_is_alive</c>, <c>job_leases</c>); these
/// fragments apply them to the usual aliases, so the snapshot, the operator actions, the claim/reclaim SQL and the
/// deploy gate give the same answer for the same row.
/// </summary>
public static class LeaseRules
{
    /// <summary>The queue's default lease timeout (<c>queue_control.default_lease_timeout</c>), read once per statement.</summary>
    public const string DefaultLeaseTimeout = "(SELECT q.default_lease_timeout FROM queue_control q WHERE q.id)";

    /// <summary>The lease timeout of a job whose kind's row is joined as <c>k</c> (<c>LEFT JOIN job_kinds k</c>).</summary>
    public const string LeaseTimeout = "job_lease_timeout(k.lease_timeout, " + DefaultLeaseTimeout + ")";

    /// <summary>
    /// Stuck, which is also "expired and reclaimable": job <c>j</c> (with its kind as <c>k</c>) has no heartbeat, or
    /// never having sent one no claim, within its lease timeout. Only meaningful with <c>j.state = 'processing'</c>.
    /// </summary>
    public const string IsStuck = "job_lease_is_stuck(j.heartbeat_at, j.leased_at, " + LeaseTimeout + ")";

    /// <summary>Worker <c>w</c> has not stopped and was heard from within <c>@WorkerStaleAfter</c>.</summary>
    public const string WorkerIsAlive = "worker_is_alive(w.state, w.heartbeat_at, @WorkerStaleAfter)";
}
