-- Indexes for the reads B5 measures at scale (1,000,000 jobs, 2,000,000 calls): each page and
-- summary reads only the rows it shows. No new writers; the lock order of 004 is unchanged.

-- The call history is newest first, ties by id (ORDER BY created_at DESC, id DESC): with id in the
-- key, a page of every account, of one account or of one batch (with or without days) reads its 50
-- entries backwards and stops, where (…, created_at) alone let PostgreSQL sort every matching call
-- (a generic plan of a batch's week sorted 60,000 calls for 50). The account's index still serves
-- the daily limit (calls placed today per account, 004).
CREATE INDEX calls_newest_first ON calls (created_at, id);
CREATE INDEX calls_by_batch_newest_first ON calls (batch_id, created_at, id);
DROP INDEX calls_by_batch;
CREATE INDEX calls_by_account_newest_first ON calls (account_id, created_at, id);
DROP INDEX calls_by_account_time;

-- A batch's summary (hourly_stats) groups its settled calls by local hour: an index-only scan.
CREATE INDEX calls_settled_by_batch ON calls (batch_id) INCLUDE (created_at, outcome) WHERE settled_at IS NOT NULL;

-- A jobs page of one account in one status (the console's "failed" tab), newest first.
CREATE INDEX jobs_by_account_status ON jobs (account_id, status, id DESC);
