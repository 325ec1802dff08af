-- Batch performance: one row per batch, newest first. Jobs by status (the batch's counters, exact:
-- see batch_counters.sql), calls placed and answered, contacts called (at least one attempt) and
-- reached (at least one answered call), contact_rate = reached / called in %, minutes (duration as
-- reported; billed per started second) and the cost charged to the account. Deleted batches are
-- listed with deleted = t. View: reporting.batch_performance.
--
--   psql "$DATABASE_URL" -v account=acc-1234567890ab -f sql/reports/batch_performance.sql
--   psql "$DATABASE_URL" -v batch=batch-2026-12-02-150000-123456 -f sql/reports/batch_performance.sql
--
-- Variables, all optional:
--   account   one account_id (default: every account)
--   batch     one batch_id (default: every batch)
\ir defaults.psql
SELECT batch_id, account_id, name, status, deleted, created_at,
       total_jobs, pending_jobs, scheduled_jobs, in_progress_jobs, completed_jobs, failed_jobs, suspended_jobs,
       cancelled_jobs,
       calls, answered_calls, contacts_called, contacts_reached, contact_rate,
       duration_minutes, billed_minutes, charged_cost
FROM reporting.batch_performance
WHERE (:'account' = '' OR account_id = :'account')
  AND (:'batch' = '' OR batch_id = :'batch')
ORDER BY created_at DESC, batch_id DESC;
