-- Browser sessions kept on the server, so that signing out ends a session for every console instance sharing this
-- database: a copied cookie of an ended session opens nothing. Only a hash of the session id is stored; the id
-- itself travels inside the console's encrypted cookie.
CREATE TABLE console_sessions (
    id_hash     bytea       PRIMARY KEY,
    actor       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

-- The console starts, checks, ends and prunes sessions.
GRANT SELECT, INSERT, UPDATE, DELETE ON console_sessions TO dashboard_app;

-- The workers' role: exactly what the worker contract (docs/worker-contract.md) runs, plus enqueueing. Grant it to
-- the login role workers connect with:  GRANT dashboard_worker TO <login role>;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dashboard_worker') THEN
        BEGIN
            CREATE ROLE dashboard_worker NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'role dashboard_worker does not exist and % may not create it', current_user
                    USING HINT = 'As a superuser or a role with CREATEROLE run: CREATE ROLE dashboard_worker NOLOGIN; then migrate again.';
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO dashboard_worker', current_schema());
END
$$;

-- Claim, heartbeat, checkpoint, complete, fail, release, reclaim and enqueue touch jobs (never DELETE).
GRANT SELECT, INSERT, UPDATE ON jobs TO dashboard_worker;
GRANT USAGE ON SEQUENCE jobs_id_seq TO dashboard_worker;
-- The claim reads the pause flags and the intake flag; workers register and heartbeat their own row.
GRANT SELECT ON job_kinds, queue_control TO dashboard_worker;
GRANT SELECT, INSERT, UPDATE ON workers TO dashboard_worker;
