-- Promises to pay: each payment date and amount a contact promised on a call (read by the
-- dispatcher from the agent's collected variables into the job: fecha_pago_cliente,
-- monto_pago_cliente), per account and batch, with the text the agent collected
-- (collected_date, collected_amount: a promise whose text could not be read has an empty date
-- or amount), the contact's debt, and whether the promised date has passed (before today in the
-- account's time zone; days_to_promised_date < 0). Soonest date first; undated promises last.
-- View: reporting.promises_to_pay.
--
--   psql "$DATABASE_URL" -v account=acc-1234567890ab -f sql/reports/promises_to_pay.sql
--   psql "$DATABASE_URL" -v batch=batch-2026-12-02-150000-123456 -v passed=false -f sql/reports/promises_to_pay.sql
--
-- Variables, all optional:
--   account   one account_id (default: every account)
--   batch     one batch_id (default: every batch)
--   passed    true: only promises whose date has passed; false: only those still to come (today
--             included); default: all
\ir defaults.psql
SELECT account_id, batch_id, job_id, contact_name, contact_dni, phone, call_at,
       promised_date, promised_amount, debt_amount, collected_date, collected_amount,
       local_today, date_passed, days_to_promised_date
FROM reporting.promises_to_pay
WHERE (:'account' = '' OR account_id = :'account')
  AND (:'batch' = '' OR batch_id = :'batch')
  AND (nullif(:'passed', '') IS NULL OR date_passed = nullif(:'passed', '')::boolean)
ORDER BY account_id, batch_id, promised_date NULLS LAST, contact_name, job_id;
