-- Batch counters against a direct count of each batch's jobs: every row must say consistent = true.
-- The counters are kept by the jobs triggers (sql/migrations/003_batches_and_jobs.sql) in the same
-- transaction that changes a job; this report is how an analyst (and the test suite) checks that.
--
--   psql "$DATABASE_URL" -f sql/reports/batch_counters.sql
SELECT b.batch_id,
       a.account_id,
       b.status,
       b.total_jobs,
       coalesce(c.total, 0) AS counted_total,
       b.pending_jobs, b.scheduled_jobs, b.in_progress_jobs, b.completed_jobs, b.failed_jobs, b.suspended_jobs,
       b.cancelled_jobs,
       (b.total_jobs, b.pending_jobs, b.scheduled_jobs, b.in_progress_jobs, b.completed_jobs, b.failed_jobs,
        b.suspended_jobs, b.cancelled_jobs)
       = (coalesce(c.total, 0), coalesce(c.pending, 0), coalesce(c.scheduled, 0), coalesce(c.in_progress, 0),
          coalesce(c.completed, 0), coalesce(c.failed, 0), coalesce(c.suspended, 0), coalesce(c.cancelled, 0))
           AS consistent
FROM batches b
JOIN accounts a ON a.id = b.account_id
LEFT JOIN (
    SELECT batch_id,
           count(*) AS total,
           count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE status = 'scheduled') AS scheduled,
           count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'suspended') AS suspended,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled
    FROM jobs GROUP BY batch_id
) AS c ON c.batch_id = b.id
ORDER BY b.created_at DESC, b.id DESC;
