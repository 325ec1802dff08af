-- Ledger reconciliation: per account, the cached balances against the ledger and the pending holds.
--   psql "$DATABASE_URL" -f sql/reports/ledger_reconciliation.sql
-- Every row should have reconciled = true. The invariants (PRODUCT.md §4):
--   credit_balance                      = Σ ledger amounts in credits
--   minutes_purchased - minutes_used    = Σ ledger amounts in minutes
--   credit_reserved / minutes_reserved  = Σ ledger reserved changes = Σ pending holds
--   available (balance - reserved)      >= 0
--   the newest ledger row's balance_after = the cached balance
--   no hold released twice
WITH ledger AS (
    SELECT account_id,
           coalesce(sum(amount) FILTER (WHERE unit = 'credits'), 0)          AS credit_balance,
           coalesce(sum(reserved_change) FILTER (WHERE unit = 'credits'), 0) AS credit_reserved,
           coalesce(sum(amount) FILTER (WHERE unit = 'minutes'), 0)          AS minutes_balance,
           coalesce(sum(reserved_change) FILTER (WHERE unit = 'minutes'), 0) AS minutes_reserved
    FROM credit_transactions
    GROUP BY account_id
), pending AS (
    SELECT account_id,
           coalesce(sum(amount) FILTER (WHERE unit = 'credits'), 0) AS credits,
           coalesce(sum(amount) FILTER (WHERE unit = 'minutes'), 0) AS minutes
    FROM credit_holds
    WHERE status = 'pending'
    GROUP BY account_id
), newest AS (
    SELECT DISTINCT ON (account_id, unit) account_id, unit, balance_after, reserved_after
    FROM credit_transactions
    ORDER BY account_id, unit, id DESC
), released_twice AS (
    SELECT t.account_id, count(*) AS holds
    FROM (SELECT account_id, hold_id FROM credit_transactions
          WHERE type = 'hold_release' GROUP BY account_id, hold_id HAVING count(*) > 1) AS t
    GROUP BY t.account_id
), report AS (
    SELECT a.account_id,
           a.credit_balance,
           coalesce(l.credit_balance, 0)                 AS ledger_credit_balance,
           a.credit_reserved,
           coalesce(l.credit_reserved, 0)                AS ledger_credit_reserved,
           coalesce(p.credits, 0)                        AS pending_hold_credits,
           a.minutes_purchased - a.minutes_used          AS minutes_balance,
           coalesce(l.minutes_balance, 0)                AS ledger_minutes_balance,
           a.minutes_reserved,
           coalesce(l.minutes_reserved, 0)               AS ledger_minutes_reserved,
           coalesce(p.minutes, 0)                        AS pending_hold_minutes,
           coalesce(r.holds, 0)                          AS holds_released_twice,
           a.credit_balance = coalesce(l.credit_balance, 0)
               AND a.credit_reserved = coalesce(l.credit_reserved, 0)
               AND a.credit_reserved = coalesce(p.credits, 0)
               AND a.minutes_purchased - a.minutes_used = coalesce(l.minutes_balance, 0)
               AND a.minutes_reserved = coalesce(l.minutes_reserved, 0)
               AND a.minutes_reserved = coalesce(p.minutes, 0)
               AND a.credit_balance - a.credit_reserved >= 0
               AND a.minutes_purchased - a.minutes_used - a.minutes_reserved >= 0
               AND coalesce(nc.balance_after, 0) = a.credit_balance
               AND coalesce(nc.reserved_after, 0) = a.credit_reserved
               AND coalesce(nm.balance_after, 0) = a.minutes_purchased - a.minutes_used
               AND coalesce(nm.reserved_after, 0) = a.minutes_reserved
               AND coalesce(r.holds, 0) = 0              AS reconciled
    FROM accounts a
    LEFT JOIN ledger l ON l.account_id = a.id
    LEFT JOIN pending p ON p.account_id = a.id
    LEFT JOIN newest nc ON nc.account_id = a.id AND nc.unit = 'credits'
    LEFT JOIN newest nm ON nm.account_id = a.id AND nm.unit = 'minutes'
    LEFT JOIN released_twice r ON r.account_id = a.id
)
SELECT * FROM report ORDER BY reconciled, account_id;
