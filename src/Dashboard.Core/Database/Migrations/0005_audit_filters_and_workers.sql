-- Indexes for the audit page's filters (each filter walks its index newest first instead of the whole log) and for
-- pruning stopped workers' rows. The application may delete a worker row only once it is stopped (see below).
CREATE INDEX audit_log_actor_idx ON audit_log (actor, seq);
CREATE INDEX audit_log_action_idx ON audit_log (action, seq);
CREATE INDEX audit_log_kind_idx ON audit_log (target_kind, seq) WHERE target_kind IS NOT NULL;
CREATE INDEX audit_log_job_idx ON audit_log (target_job_id, seq) WHERE target_job_id IS NOT NULL;
CREATE INDEX audit_log_worker_idx ON audit_log (target_worker, seq) WHERE target_worker IS NOT NULL;
CREATE INDEX audit_log_outcome_idx ON audit_log (split_part(outcome, ':', 1), seq);

CREATE INDEX workers_stopped_idx ON workers (stopped_at) WHERE state = 'stopped';

-- Stopped workers' rows (host:pid identities that never come back) are pruned after a retention period.
GRANT DELETE ON workers TO dashboard_app;
