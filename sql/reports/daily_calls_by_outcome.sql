-- Daily calls by outcome: per account and local day (the account's time zone, the day each attempt
-- was placed), one row per outcome and disconnection reason, then one total row per day (outcome
-- "(all)"). `outcome` is our reading of the call (answered, no_answer, bad_number, provider_error,
-- account_problem, lost) or, while a call is still going, its status (placing, placed).
-- `answer_rate` is answered / calls in %. Minutes: duration as the provider reported it, billed
-- per started second; charged_cost in the account's credits. View: reporting.daily_calls_by_outcome.
--
--   psql "$DATABASE_URL" -v account=acc-1234567890ab -v from=2026-11-01 -v to=2026-11-30 \
--        -f sql/reports/daily_calls_by_outcome.sql
--
-- Variables, all optional:
--   account   one account_id (default: every account)
--   from, to  local days YYYY-MM-DD, both inclusive (default: each account's last 30 days, today included)
\ir defaults.psql
SELECT account_id,
       day,
       CASE WHEN grouping(outcome) = 1 THEN '(all)' ELSE outcome END AS outcome,
       disconnection_reason,
       sum(calls)                                         AS calls,
       sum(answered)                                      AS answered,
       round(100.0 * sum(answered) / sum(calls), 2)       AS answer_rate,
       sum(duration_minutes)                              AS duration_minutes,
       sum(billed_minutes)                                AS billed_minutes,
       sum(charged_cost)                                  AS charged_cost
FROM reporting.daily_calls_by_outcome
WHERE (:'account' = '' OR account_id = :'account')
  AND day >= coalesce(nullif(:'from', '')::date, (now() AT TIME ZONE timezone)::date - 29)
  AND day <= coalesce(nullif(:'to', '')::date, (now() AT TIME ZONE timezone)::date)
GROUP BY account_id, day, ROLLUP ((outcome, disconnection_reason))
ORDER BY account_id, day, grouping(outcome), outcome, disconnection_reason NULLS FIRST;
