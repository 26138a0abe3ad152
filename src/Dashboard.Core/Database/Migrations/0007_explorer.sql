-- The jobs explorer: find any job, read its error history, act on one job or on every job matching a filter.
--
-- On a large jobs table each CREATE INDEX below blocks writes to jobs while it builds. To avoid that, create them
-- by hand first with CREATE INDEX CONCURRENTLY and the same names and definitions: IF NOT EXISTS then skips them.

-- 'discarded' is a terminal state of its own: an operator gave up on the job. No worker statement claims,
-- heartbeats, completes or reclaims it (they all require 'queued' or 'processing'), and it is never requeued by
-- itself. It needs no schema change: state is free text. Discarded rows are counted with the live set.

-- Error history: the worker contract's fail statement (and the reclaim of expired leases) appends
-- {at, attempt, worker, error} and keeps the last 10 entries. Claim and complete do not touch it.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS error_history jsonb;

-- Text in the last error, e.g. "timeout": trigram index, only on rows that have an error.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- List filters. The list is ordered by id (creation order) and paged by id (keyset), so each index ends in id.
-- By state, newest first.
CREATE INDEX IF NOT EXISTS jobs_state_id_idx ON jobs (state, id);
-- By kind and state (the overview's links), and by kind alone through one ordered scan per state of the kind.
CREATE INDEX IF NOT EXISTS jobs_kind_state_id_idx ON jobs (kind, state, id);
-- By worker: leased_by stays on finished rows, so a worker's history is findable.
CREATE INDEX IF NOT EXISTS jobs_leased_by_id_idx ON jobs (leased_by, id) WHERE leased_by IS NOT NULL;
-- Time ranges: rows are appended in time order, so block-range indexes are small and cheap to maintain.
CREATE INDEX IF NOT EXISTS jobs_created_at_brin ON jobs USING brin (created_at);
CREATE INDEX IF NOT EXISTS jobs_finished_at_brin ON jobs USING brin (finished_at);
CREATE INDEX IF NOT EXISTS jobs_last_error_trgm ON jobs USING gin (last_error gin_trgm_ops) WHERE last_error IS NOT NULL;
-- JSON containment on the payload (payload @> '{"customer_id": 42}').
CREATE INDEX IF NOT EXISTS jobs_payload_gin ON jobs USING gin (payload jsonb_path_ops);

-- The job page lists the audit entries that touched the job.
CREATE INDEX IF NOT EXISTS audit_log_target_job_idx ON audit_log (target_job_id, seq) WHERE target_job_id IS NOT NULL;

-- Bulk operations: one row per "act on every job matching this filter", run in short chunks in the background by
-- one console instance at a time (advisory lock per operation). The cursor and the counts advance in the same
-- transaction as each chunk, so a restart resumes exactly where the last committed chunk ended.
CREATE TABLE IF NOT EXISTS bulk_operations (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action           text        NOT NULL,
    filter           jsonb       NOT NULL,
    filter_text      text        NOT NULL,
    state            text        NOT NULL DEFAULT 'running',
    expected         bigint      NOT NULL,
    upper_id         bigint      NOT NULL,
    cursor_id        bigint      NOT NULL DEFAULT 0,
    changed          bigint      NOT NULL DEFAULT 0,
    skipped          bigint      NOT NULL DEFAULT 0,
    chunks           integer     NOT NULL DEFAULT 0,
    actor            text        NOT NULL,
    reason           text        NOT NULL,
    cancel_requested boolean     NOT NULL DEFAULT false,
    cancelled_by     text,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    CONSTRAINT bulk_operations_state_check CHECK (state IN ('running', 'completed', 'cancelled', 'failed'))
);
CREATE INDEX IF NOT EXISTS bulk_operations_running_idx ON bulk_operations (id) WHERE state = 'running';

GRANT SELECT, INSERT, UPDATE ON bulk_operations TO dashboard_app;
GRANT USAGE, SELECT ON SEQUENCE bulk_operations_id_seq TO dashboard_app;
