-- Batch counters against a direct count of each batch's jobs: every row must say consistent = t.
-- The counters are kept by the jobs triggers (sql/migrations/003_batches_and_jobs.sql) in the same
-- transaction that changes a job; this report is how an analyst (and the test suite) checks that.
-- View: reporting.batch_counters. No variables: the test suites run this file as it is.
--
--   psql "$DATABASE_URL" -f sql/reports/batch_counters.sql
SELECT batch_id, account_id, status, total_jobs, counted_total,
       pending_jobs, scheduled_jobs, in_progress_jobs, completed_jobs, failed_jobs, suspended_jobs, cancelled_jobs,
       consistent
FROM reporting.batch_counters
ORDER BY created_at DESC, batch_id DESC;
