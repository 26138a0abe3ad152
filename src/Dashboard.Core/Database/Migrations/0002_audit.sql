-- The audit log (docs/architecture.md, "Audit log"): append-only and hash-chained.
CREATE TABLE audit_log (
    seq              bigint      PRIMARY KEY,
    at               timestamptz NOT NULL,
    actor            text        NOT NULL,
    auth_method      text        NOT NULL,
    source_address   text,
    action           text        NOT NULL,
    target_kind      text,
    target_job_id    bigint,
    target_worker    text,
    reason           text        NOT NULL,
    before           jsonb,
    after            jsonb,
    rows_affected    integer     NOT NULL DEFAULT 0,
    outcome          text        NOT NULL,
    idempotency_key  text,
    prev_hash        bytea       NOT NULL,
    hash             bytea       NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE UNIQUE INDEX audit_log_idempotency_idx ON audit_log (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The head of the chain: one row, locked by every append so the chain never forks.
CREATE TABLE audit_chain_head (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_seq  bigint  NOT NULL,
    last_hash bytea   NOT NULL
);
INSERT INTO audit_chain_head VALUES (true, 0, '\x00'::bytea);

-- The digest of one entry: everything but the hash itself, in a fixed text form, chained to the previous hash.
CREATE FUNCTION audit_digest(e audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(e.prev_hash || convert_to(jsonb_build_array(
        e.seq, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor, e.auth_method, e.source_address, e.action, e.target_kind, e.target_job_id,
        e.target_worker, e.reason, e.before, e.after, e.rows_affected, e.outcome, e.idempotency_key
    )::text, 'UTF8'))
$$;

-- Numbers, times and chains the entry inside the writer's transaction.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    head audit_chain_head;
BEGIN
    SELECT * INTO head FROM audit_chain_head WHERE id FOR UPDATE;
    NEW.seq := head.last_seq + 1;
    NEW.at := clock_timestamp();
    NEW.prev_hash := head.last_hash;
    NEW.hash := audit_digest(NEW);
    UPDATE audit_chain_head SET last_seq = NEW.seq, last_hash = NEW.hash WHERE id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();

CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION notify_dashboard_change();
