-- Contacts never reached: jobs that will not be called again — failed, or completed or cancelled
-- after at least one attempt — without a single answered call, with who they are, the numbers
-- tried, the attempts made and how the last one ended (last_outcome: the provider's reason, as the
-- API shows it; last_call_outcome: our reading of it). Jobs cancelled before their first attempt
-- are not listed (nobody tried to reach them). View: reporting.contacts_never_reached.
--
--   psql "$DATABASE_URL" -v account=acc-1234567890ab -f sql/reports/contacts_never_reached.sql
--   psql "$DATABASE_URL" -v batch=batch-2026-12-02-150000-123456 -f sql/reports/contacts_never_reached.sql
--
-- Variables, all optional:
--   account   one account_id (default: every account)
--   batch     one batch_id (default: every batch)
\ir defaults.psql
SELECT account_id, batch_id, job_id, status, contact_name, contact_dni,
       array_to_string(phones, ' ')                       AS phones,
       attempts, max_attempts, last_outcome, last_call_outcome, last_call_phone, last_call_at, last_error
FROM reporting.contacts_never_reached
WHERE (:'account' = '' OR account_id = :'account')
  AND (:'batch' = '' OR batch_id = :'batch')
ORDER BY account_id, batch_id, contact_name, job_id;
