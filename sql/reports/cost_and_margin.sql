-- Cost and margin of settled calls: what the account was charged against what the provider
-- charged us (Retell's combined_cost, sent in cents, here / 100 in the same unit as credits), per
-- account and local day (-v by=day, the default) or per account and batch (-v by=batch).
-- Calls without a provider cost (the simulator; calls never placed or lost) are counted in
-- unpriced_calls and left out of the margin, which compares only calls with both sides known:
-- margin = priced_charged_cost - provider_cost; margin_percent = margin / priced_charged_cost in %.
-- View: reporting.cost_and_margin (per account, day and batch).
--
--   psql "$DATABASE_URL" -v account=acc-1234567890ab -v from=2026-11-01 -v to=2026-11-30 \
--        -f sql/reports/cost_and_margin.sql
--   psql "$DATABASE_URL" -v by=batch -f sql/reports/cost_and_margin.sql
--
-- Variables, all optional:
--   account   one account_id (default: every account)
--   from, to  local days YYYY-MM-DD, both inclusive (default: each account's last 30 days, today included)
--   by        day (default) or batch
\ir defaults.psql
SELECT CASE WHEN :'by' IN ('day', 'batch') THEN true
            ELSE ('cost_and_margin.sql: -v by must be day or batch, not ' || :'by')::boolean END AS by_is_valid \gset
SELECT account_id,
       CASE WHEN :'by' = 'day' THEN day END                    AS day,
       CASE WHEN :'by' = 'batch' THEN batch_id END             AS batch_id,
       sum(settled_calls)                                      AS settled_calls,
       sum(charged_cost)                                       AS charged_cost,
       sum(priced_calls)                                       AS priced_calls,
       sum(unpriced_calls)                                     AS unpriced_calls,
       sum(priced_charged_cost)                                AS priced_charged_cost,
       sum(provider_cost)                                      AS provider_cost,
       sum(margin)                                             AS margin,
       CASE WHEN sum(priced_charged_cost) > 0 THEN round(100 * sum(margin) / sum(priced_charged_cost), 2) END
                                                               AS margin_percent
FROM reporting.cost_and_margin
WHERE (:'account' = '' OR account_id = :'account')
  AND day >= coalesce(nullif(:'from', '')::date, (now() AT TIME ZONE timezone)::date - 29)
  AND day <= coalesce(nullif(:'to', '')::date, (now() AT TIME ZONE timezone)::date)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;
