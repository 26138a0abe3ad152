-- audit_log_target_job_idx (0007) repeats audit_log_job_idx (0005) column for column; every audit insert paid for
-- both. The job page's "audit entries that touched this job" reads audit_log_job_idx.
DROP INDEX IF EXISTS audit_log_target_job_idx;
