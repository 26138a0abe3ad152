-- History, metrics and alerts. Written by one console instance at a time (singleton work) from data the console
-- already reads; nothing here touches the workers' claim/complete path (no trigger, counter or NOTIFY on jobs).

-- Finished jobs by the minute they finished: the history writer counts each closed minute through this range.
-- On a large jobs table this CREATE INDEX blocks writes while it builds: create it by hand first with
-- CREATE INDEX CONCURRENTLY and the same name and definition; IF NOT EXISTS then skips it.
CREATE INDEX IF NOT EXISTS jobs_finished_at_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- One row per kind and minute (bucket = the minute's start). Counters cover jobs that finished (or were retried,
-- or enqueued) in the minute; gauges are the snapshot's figures when the minute was written, NULL for minutes
-- filled in afterwards (after a takeover or an outage). final = false while the minute is still open.
CREATE TABLE IF NOT EXISTS job_history (
    kind                  text             NOT NULL,
    bucket                timestamptz      NOT NULL,
    completed             bigint           NOT NULL DEFAULT 0,
    failed                bigint           NOT NULL DEFAULT 0,
    retried               bigint           NOT NULL DEFAULT 0,
    enqueued              bigint,
    queued                bigint,
    processing            bigint,
    paused                bigint,
    stuck                 bigint,
    oldest_queued_seconds double precision,
    wait_p50_ms           double precision,
    wait_p95_ms           double precision,
    run_p50_ms            double precision,
    run_p95_ms            double precision,
    final                 boolean          NOT NULL DEFAULT false,
    written_at            timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, bucket)
);
CREATE INDEX IF NOT EXISTS job_history_bucket_idx ON job_history (bucket);

-- Hourly rollups of job_history, kept longer. Percentiles are approximate (see docs/history.md).
CREATE TABLE IF NOT EXISTS job_history_hourly (LIKE job_history INCLUDING DEFAULTS);
ALTER TABLE job_history_hourly ADD PRIMARY KEY (kind, bucket);
CREATE INDEX IF NOT EXISTS job_history_hourly_bucket_idx ON job_history_hourly (bucket);

-- Alert rules: from appsettings (source 'settings', inserted once by name) or made on the alerts page.
CREATE TABLE IF NOT EXISTS alert_rules (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text             NOT NULL UNIQUE,
    kind            text,
    condition       text             NOT NULL,
    threshold       double precision NOT NULL,
    window_minutes  integer          NOT NULL DEFAULT 5,
    enabled         boolean          NOT NULL DEFAULT true,
    source          text             NOT NULL DEFAULT 'page',
    updated_by      text,
    updated_at      timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT alert_rules_condition_check CHECK (condition IN (
        'backlog_above', 'oldest_queued_older_than', 'failure_rate_above', 'stuck_longer_than', 'intake_paused_longer_than')),
    CONSTRAINT alert_rules_window_check CHECK (window_minutes BETWEEN 1 AND 1440)
);

-- Every firing and its resolution. At most one open event per rule and subject (kind, or '*' for the queue):
-- that unique index is what keeps an alert from firing twice. Deliveries to the webhook are tracked per event.
CREATE TABLE IF NOT EXISTS alert_events (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id              bigint REFERENCES alert_rules (id) ON DELETE SET NULL,
    rule_name            text        NOT NULL,
    subject              text        NOT NULL,
    message              text        NOT NULL,
    value                double precision,
    fired_at             timestamptz NOT NULL DEFAULT now(),
    resolved_at          timestamptz,
    fire_delivered_at    timestamptz,
    resolve_delivered_at timestamptz,
    delivery_attempts    integer     NOT NULL DEFAULT 0,
    next_delivery_at     timestamptz NOT NULL DEFAULT now(),
    last_delivery_error  text
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_events_open_idx ON alert_events (rule_id, subject) WHERE resolved_at IS NULL;
CREATE INDEX IF NOT EXISTS alert_events_undelivered_idx ON alert_events (next_delivery_at)
    WHERE fire_delivered_at IS NULL OR (resolved_at IS NOT NULL AND resolve_delivered_at IS NULL);
CREATE INDEX IF NOT EXISTS alert_events_fired_idx ON alert_events (fired_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON job_history, job_history_hourly TO dashboard_app;
GRANT SELECT, INSERT, UPDATE ON alert_rules, alert_events TO dashboard_app;
GRANT USAGE, SELECT ON SEQUENCE alert_rules_id_seq, alert_events_id_seq TO dashboard_app;
