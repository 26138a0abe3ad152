-- The application's role (docs/operator-actions.md, "Database privileges"): it may read and append to the audit log, never change or remove entries,
-- and read and write the operational tables. Migrations run as the tables' owner; deployments grant this role to
-- the login role the console connects with:  GRANT dashboard_app TO <login role>;
-- Roles belong to the whole server, so the role is created once and reused by every database on it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dashboard_app') THEN
        BEGIN
            CREATE ROLE dashboard_app NOLOGIN;
        EXCEPTION
            -- Another database on the same server created it at the same moment.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'role dashboard_app does not exist and % may not create it', current_user
                    USING HINT = 'As a superuser or a role with CREATEROLE run: CREATE ROLE dashboard_app NOLOGIN; then migrate again.';
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO dashboard_app', current_schema());
    -- jobs.id is an identity column: enqueueing draws from its sequence.
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO dashboard_app', current_schema());
END
$$;

-- Append-only: read and insert. The chain trigger updates audit_chain_head as the owner (SECURITY DEFINER).
REVOKE ALL ON audit_log, audit_chain_head FROM dashboard_app;
GRANT SELECT, INSERT ON audit_log TO dashboard_app;
GRANT SELECT ON audit_chain_head TO dashboard_app;

-- The operational tables: read, enqueue, change state. No DELETE or TRUNCATE.
GRANT SELECT, INSERT, UPDATE ON jobs, job_kinds, workers, queue_control TO dashboard_app;
GRANT SELECT ON schema_migrations TO dashboard_app;
