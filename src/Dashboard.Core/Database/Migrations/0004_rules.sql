-- One definition per rule. The snapshot, the operator actions, the workers' claim/reclaim and the deploy gate all
-- use these, so they give the same answer for the same row. Core's LeaseRules holds the one SQL spelling of each
-- that applies them to the jobs/job_kinds/workers columns.

-- The default lease timeout has one source: this column (a kind's own job_kinds.lease_timeout overrides it).
ALTER TABLE queue_control
    ADD COLUMN default_lease_timeout interval NOT NULL DEFAULT interval '5 minutes'
        CHECK (default_lease_timeout > interval '0');

-- A job_kinds row no longer pins a kind to five minutes when it is created for another reason (a pause):
-- NULL means "the queue's default".
ALTER TABLE job_kinds ALTER COLUMN lease_timeout DROP NOT NULL;
ALTER TABLE job_kinds ALTER COLUMN lease_timeout DROP DEFAULT;
ALTER TABLE job_kinds ADD CONSTRAINT job_kinds_lease_timeout_positive CHECK (lease_timeout > interval '0');

-- The lease timeout of a job: its kind's own, else the queue's default (else five minutes if someone deleted the
-- queue_control row).
CREATE FUNCTION job_lease_timeout(kind_timeout interval, default_timeout interval) RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(kind_timeout, default_timeout, interval '5 minutes') $$;

-- Stuck, which is also "expired and reclaimable": a processing job whose holder sent no heartbeat (or, never having
-- sent one, made no claim) within the lease timeout. A lease without either timestamp is stuck.
CREATE FUNCTION job_lease_is_stuck(heartbeat_at timestamptz, leased_at timestamptz, lease_timeout interval) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(coalesce(heartbeat_at, leased_at) < now() - lease_timeout, true) $$;

-- Alive: a worker that has not stopped and was heard from within stale_after. Gone: everything else, including a
-- lease holder without a workers row.
CREATE FUNCTION worker_is_alive(state text, heartbeat_at timestamptz, stale_after interval) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(state <> 'stopped' AND heartbeat_at >= now() - stale_after, false) $$;

-- Every job under lease with its effective lease timeout and whether it is stuck. "Running since" is the claim
-- (leased_at): the oldest running job is the smallest running_since. Read-only callers use this view; callers
-- that lock rows (FOR UPDATE OF jobs) apply the same functions through Core's LeaseRules.
CREATE VIEW job_leases AS
SELECT j.id, j.kind, j.leased_by, j.leased_at, j.heartbeat_at, j.attempts, j.lease_token,
       t.lease_timeout,
       job_lease_is_stuck(j.heartbeat_at, j.leased_at, t.lease_timeout) AS is_stuck,
       j.leased_at AS running_since
FROM jobs j
LEFT JOIN job_kinds k ON k.kind = j.kind
CROSS JOIN LATERAL (
    SELECT job_lease_timeout(k.lease_timeout, (SELECT q.default_lease_timeout FROM queue_control q WHERE q.id)) AS lease_timeout
) t
WHERE j.state = 'processing';

-- Multi-column statistics on (state, kind): the planner's estimate of one kind's queued rows, used for counts above
-- the exact-count threshold, reads the pair's own frequency instead of multiplying two independent ones.
-- Gathered by ANALYZE (autovacuum), never by the workers' statements.
CREATE STATISTICS jobs_state_kind_stats (mcv) ON state, kind FROM jobs;

-- The planner's row estimate for one (state, kind) pair, for counts above the threshold. Reads statistics only
-- (VOLATILE only because PostgreSQL allows EXPLAIN nowhere else).
CREATE FUNCTION jobs_estimate_count(p_state text, p_kind text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM jobs WHERE state = %L AND kind = %L', p_state, p_kind) INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END;
$$;

GRANT SELECT ON job_leases TO dashboard_app;
GRANT EXECUTE ON FUNCTION job_lease_timeout(interval, interval), job_lease_is_stuck(timestamptz, timestamptz, interval),
    worker_is_alive(text, timestamptz, interval), jobs_estimate_count(text, text) TO dashboard_app;
