-- Deploy readiness: what a shutdown does to a running job depends on its kind, and on how far along it is.

-- Per-kind shutdown facts, declared by the workers that run the kind (any language: an upsert of these columns).
-- NULL means "not declared": the console then assumes the worst (not idempotent, no checkpoints, no maximum).
ALTER TABLE job_kinds
    ADD COLUMN idempotent        boolean,
    ADD COLUMN checkpoints       boolean,
    ADD COLUMN max_run_time      interval CONSTRAINT job_kinds_max_run_time_positive CHECK (max_run_time > interval '0'),
    ADD COLUMN facts_declared_by text,
    ADD COLUMN facts_declared_at timestamptz;

-- Progress a handler reports with its checkpoint (a fraction of the job, 0..1). progress_base is the progress the
-- current attempt started from, set by the first report of the attempt, so the attempt's own rate is
-- (progress - progress_base) / (progress_at - leased_at). Written only by the checkpoint statement, never by
-- claim or complete.
ALTER TABLE jobs
    ADD COLUMN progress      real CONSTRAINT jobs_progress_fraction CHECK (progress >= 0 AND progress <= 1),
    ADD COLUMN progress_base real,
    ADD COLUMN progress_at   timestamptz;

-- Recent run times per kind (finished_at - leased_at of the latest done jobs), without a history table: the
-- readiness query reads the newest entries of one kind and stops.
CREATE INDEX jobs_recent_runs_idx ON jobs (kind, finished_at DESC) INCLUDE (leased_at) WHERE state = 'done';
