-- The jobs list filtered on a time range is read in that time's order (created_at, or finished_at through
-- jobs_finished_at_idx of 0008), so the first page of a range that lies days in the past costs a few index pages
-- instead of a walk of every id between the newest row and the range.
--
-- The block-range indexes of 0007 served those ranges badly: a claim or completion writes the row's new version
-- wherever there is room, so block ranges soon cover every date and a one-day range read most of the table.
-- On a large jobs table, create the new index by hand first with CREATE INDEX CONCURRENTLY and the same name and
-- definition: IF NOT EXISTS then skips it.
CREATE INDEX IF NOT EXISTS jobs_created_at_idx ON jobs (created_at);
DROP INDEX IF EXISTS jobs_created_at_brin;
DROP INDEX IF EXISTS jobs_finished_at_brin;
