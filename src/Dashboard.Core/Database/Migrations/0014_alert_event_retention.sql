-- Resolved alert events are kept as long as the hourly history (History:RollupRetention), then deleted with it by
-- the history writer; open events are never deleted.
GRANT DELETE ON alert_events TO dashboard_app;
CREATE INDEX IF NOT EXISTS alert_events_resolved_idx ON alert_events (resolved_at) WHERE resolved_at IS NOT NULL;
