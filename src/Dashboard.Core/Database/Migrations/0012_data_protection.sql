-- Several console instances share one database, so they share the keys that protect sign-in cookies and
-- antiforgery tokens: a cookie issued by one instance is accepted by every other. Rows are written when the key
-- ring rotates (about every 90 days) and read when an instance loads its key ring; never on a hot path.
CREATE TABLE data_protection_keys (
    name       text        PRIMARY KEY,
    xml        text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The keys are secrets of the console alone: the app role reads and adds them, nothing else does.
GRANT SELECT, INSERT ON data_protection_keys TO dashboard_app;
