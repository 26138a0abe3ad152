-- Workers declare their kinds' shutdown facts (idempotent, checkpoints, maximum run time) when they start
-- (docs/worker-contract.md): the worker role may add a kind's row and set those columns, nothing else of job_kinds
-- (not pauses, not lease timeouts).
GRANT INSERT (kind, idempotent, checkpoints, max_run_time, facts_declared_by, facts_declared_at),
      UPDATE (idempotent, checkpoints, max_run_time, facts_declared_by, facts_declared_at, updated_at)
    ON job_kinds TO dashboard_worker;
