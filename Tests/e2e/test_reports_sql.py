"""The analysts' reports (sql/reports/*.sql) run by psql as the read-only role speechai_reporting, after a
campaign the real dispatcher ran through the simulator and the fake Retell server: each report's figures
are checked against the jobs, calls and ledger rows read directly (and aggregated here, in Python), the
ledger reconciles, and the role can read the reporting views and nothing else."""
import csv
import io
import json
import os
import subprocess
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fake_retell import FakeRetell
from test_accounts import new_account
from test_dispatch import ALWAYS, campaign, dispatch, jobs, webhook
from test_ingestion import upload

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "sql" / "reports"
ROLE = "speechai_reporting"
SANTIAGO = ZoneInfo("America/Santiago")
# A Wednesday in Santiago (UTC-3 in December): 12:00, 12:05, 13:01; then 23:30 on Dec 2 and 00:35 on Dec 3
# local time, both on Dec 3 in UTC.
NOON = "2026-12-02T15:00:00Z"
NOON_RETELL = "2026-12-02T15:05:00Z"
ONE_PM = "2026-12-02T16:01:00Z"
LATE_DEC_2 = "2026-12-03T02:30:00Z"
EARLY_DEC_3 = "2026-12-03T03:35:00Z"
DAYS = {"from": "2026-12-01", "to": "2026-12-04"}
RETELL_CENTS = 12  # the provider's cost of each Retell call (call_cost.combined_cost, in cents)
FOUR_DECIMALS = Decimal("0.0001")


# psql as the analyst ------------------------------------------------------------------------------

def as_analyst(stack, *arguments, variables=None, login=None):
    """psql as the analysts' role: connected as the database's owner with the role set at connection start (so
    every statement of the session has only the role's rights), or connected as `login`, a member of the role."""
    options = [f"-v{name}={value}" for name, value in (variables or {}).items()]
    url = stack.database_url()
    environment = {key: value for key, value in os.environ.items() if key != "PGOPTIONS"}
    if login is None:
        environment["PGOPTIONS"] = f"-c role={ROLE}"
    else:
        url = url.replace("postgresql://speechai@", f"postgresql://{login}@")
    return subprocess.run(["psql", "-X", "-q", "--csv", *options, url, *arguments], capture_output=True, text=True,
                          timeout=60, env=environment)


def report(stack, name, **variables):
    """The rows of sql/reports/<name>.sql run by the analysts' role, as dicts of strings ('' for NULL)."""
    result = as_analyst(stack, "-f", str(REPORTS / f"{name}.sql"), variables=variables)
    assert result.returncode == 0 and not result.stderr, (name, result.stderr)
    return list(csv.DictReader(io.StringIO(result.stdout)))


def refused(stack, sql, login=None):
    """The error psql reports when the analysts' role runs `sql`."""
    result = as_analyst(stack, "-v", "ON_ERROR_STOP=1", "-c", sql, login=login)
    assert result.returncode != 0, (sql, result.stdout)
    return result.stderr


def rows(stack, sql):
    """Rows read directly from the base tables (as the owner), as lists of strings ('' for NULL)."""
    output = stack.psql(sql)
    return [line.split("|") for line in output.splitlines()] if output else []


def dec(text):
    return Decimal(text) if text != "" else Decimal(0)


def to_four_decimals(value):
    return value.quantize(FOUR_DECIMALS, rounding=ROUND_HALF_UP)


def account_key(account):
    return f"(SELECT id FROM accounts WHERE account_id = '{account['account_id']}')"


def make_due(stack, batch):
    """Jobs are due from their creation, on the real clock; the passes below run at fixed test clocks."""
    stack.psql(f"UPDATE jobs SET next_attempt_at = '2020-01-01' WHERE batch_id = "
               f"(SELECT id FROM batches WHERE batch_id = '{batch['batch_id']}')")


def local_day(epoch_text, timezone=SANTIAGO):
    return datetime.fromtimestamp(float(epoch_text), timezone).date().isoformat()


# The campaign ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data(stack, admin):
    """Account `cl`: an uploaded debt-collection list (two answered, one failed after a voicemail and an
    invalid number), a Retell batch whose three calls collect promises (future, past, unreadable date), a
    marketing batch cancelled after a no-answer with a do-not-call contact, a batch cancelled before any
    attempt, and a contact called late on Dec 2 and again early on Dec 3 (Santiago); a top-up. Account
    `low`: credit for one call only (two jobs suspended), then suspended."""
    # No campaign of another test is left to dial.
    stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    cl = new_account(stack, admin, initial_credits=100.0)
    low = new_account(stack, admin, initial_credits=1.5)
    assert stack.api("POST", f"/api/v1/accounts/{cl['account_id']}/topup", admin, json={"credits": 50}).status_code == 200

    settings = '{"max_attempts": 2, "retry_delay_hours": 1, "allowed_hours": {"start": "00:00", "end": "23:59"}, ' \
               '"days_of_week": [1, 2, 3, 4, 5, 6, 7]}'
    uploaded = upload(stack, admin, "chile.csv", {"account_id": cl["account_id"], "batch_name": "Cobranza diciembre",
                                                  "call_settings_json": settings})
    assert uploaded.status_code == 201, uploaded.text
    uploaded = uploaded.json()["batch"]
    _, cancelled = campaign(stack, admin, ["+56912345686", "+56912345684"], account=cl, first_rut=21_000_000)
    dnc = stack.api("POST", f"/api/v1/accounts/{cl['account_id']}/do-not-call", admin, json={"phones": ["+56912345684"]})
    assert dnc.status_code == 201, dnc.text
    _, short = campaign(stack, admin, ["+56912345670", "+56912345671", "+56912345672"], account=low,
                        first_rut=22_000_000)
    for batch in (uploaded, cancelled, short):
        make_due(stack, batch)
    line = dispatch(stack, NOON)
    assert "suspended=2" in line, line
    assert stack.api("POST", f"/api/v1/batches/{cancelled['batch_id']}/cancel", admin).status_code == 200
    assert stack.api("PUT", f"/api/v1/accounts/{low['account_id']}/suspend", admin).status_code == 200

    # Promises through Retell: a webhook ends each call (with the provider's cost), another brings its analysis.
    _, promised = campaign(stack, admin, ["+56912345660", "+56912345661", "+56912345662"], account=cl,
                           first_rut=23_000_000)
    make_due(stack, promised)
    promises = {"+56912345660": ("15/12/2099", "$150.000"), "+56912345661": ("2020-01-15", "80000"),
                "+56912345662": ("la próxima semana", "$50.000")}
    retell = FakeRetell()
    try:
        assert "placed=3" in dispatch(stack, NOON_RETELL, retell=retell)
        for call_id, call in list(retell.calls.items()):
            ended = retell.finish(call_id, "user_hangup", 60_000, call_cost={"combined_cost": RETELL_CENTS})
            assert webhook(stack, "call_ended", ended).json()["matched"] is True
            date, amount = promises[call["to_number"]]
            analyzed = {**ended, "call_analysis": {"custom_analysis_data": {"fecha_pago_cliente": date,
                                                                            "monto_pago_cliente": amount}}}
            assert webhook(stack, "call_analyzed", analyzed).status_code == 200
    finally:
        retell.close()

    dispatch(stack, ONE_PM)  # the uploaded list's voicemail, again on its second (invalid) number
    _, midnight = campaign(stack, admin, [["+56912345676", "+56912345674"]], account=cl, first_rut=24_000_000,
                           settings={**ALWAYS, "retry_delay_hours": 1})
    make_due(stack, midnight)
    dispatch(stack, LATE_DEC_2)
    dispatch(stack, EARLY_DEC_3)
    _, never = campaign(stack, admin, ["+56912345650"], account=cl, first_rut=25_000_000)
    assert stack.api("POST", f"/api/v1/batches/{never['batch_id']}/cancel", admin).status_code == 200
    assert stack.psql(f"SELECT count(*) FROM calls WHERE settled_at IS NULL AND account_id IN "
                      f"({account_key(cl)}, {account_key(low)})") == "0"
    return {"cl": cl, "low": low, "uploaded": uploaded, "cancelled": cancelled, "short": short,
            "promised": promised, "midnight": midnight, "never": never}


def call_rows(stack, account):
    """Every call of the account: created_at (epoch), batch, contact, outcome, reason, duration, billed
    minutes, charged cost, provider cost, settled."""
    return [dict(zip(["epoch", "batch_id", "contact_key", "outcome", "reason", "duration_ms", "minutes", "cost",
                      "provider_cost", "settled"], row))
            for row in rows(stack, f"""
                SELECT extract(epoch FROM c.created_at), b.batch_id, c.contact_key, c.outcome,
                       c.disconnection_reason, c.duration_ms, c.charged_minutes, c.charged_cost, c.provider_cost,
                       c.settled_at IS NOT NULL
                FROM calls c JOIN batches b ON b.id = c.batch_id WHERE c.account_id = {account_key(account)}""")]


# The campaign did what the scenario says ------------------------------------------------------------

def test_the_campaign_reached_its_outcomes(stack, admin, data):
    ana, carola, luis = jobs(stack, admin, data["uploaded"])
    assert (ana["status"], ana["attempts"], ana["last_outcome"]) == ("failed", 2, "invalid_destination")
    assert luis["status"] == carola["status"] == "completed"
    assert [job["status"] for job in jobs(stack, admin, data["cancelled"])] == ["cancelled", "failed"]
    assert sorted(job["status"] for job in jobs(stack, admin, data["short"])) == ["completed", "suspended", "suspended"]
    assert [job["status"] for job in jobs(stack, admin, data["promised"])] == ["completed"] * 3
    midnight, = jobs(stack, admin, data["midnight"])
    assert (midnight["status"], midnight["attempts"]) == ("completed", 2)


# daily_calls_by_outcome.sql ---------------------------------------------------------------------------

def test_daily_calls_by_outcome_counts_every_call_on_its_local_day(stack, data):
    calls = call_rows(stack, data["cl"])
    expected = defaultdict(lambda: {"calls": 0, "answered": 0, "duration_ms": 0, "minutes": Decimal(0),
                                    "cost": Decimal(0)})
    for call in calls:
        group = expected[(local_day(call["epoch"]), call["outcome"], call["reason"])]
        group["calls"] += 1
        group["answered"] += call["outcome"] == "answered"
        group["duration_ms"] += int(call["duration_ms"] or 0)
        group["minutes"] += dec(call["minutes"])
        group["cost"] += dec(call["cost"])
    got = report(stack, "daily_calls_by_outcome", account=data["cl"]["account_id"], **DAYS)
    assert {row["account_id"] for row in got} == {data["cl"]["account_id"]}
    details = {(row["day"], row["outcome"], row["disconnection_reason"]): row for row in got if row["outcome"] != "(all)"}
    assert set(details) == set(expected)
    for key, group in expected.items():
        row = details[key]
        assert int(row["calls"]) == group["calls"] and int(row["answered"]) == group["answered"], key
        assert Decimal(row["duration_minutes"]) == to_four_decimals(Decimal(group["duration_ms"]) / 60000), key
        assert Decimal(row["billed_minutes"]) == group["minutes"] and Decimal(row["charged_cost"]) == group["cost"], key
    totals = {row["day"]: row for row in got if row["outcome"] == "(all)"}
    for day in {key[0] for key in expected}:
        day_calls = [call for call in calls if local_day(call["epoch"]) == day]
        answered = sum(call["outcome"] == "answered" for call in day_calls)
        assert int(totals[day]["calls"]) == len(day_calls) and int(totals[day]["answered"]) == answered
        assert Decimal(totals[day]["answer_rate"]) == (Decimal(100 * answered) / len(day_calls)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(totals[day]["charged_cost"]) == sum(dec(call["cost"]) for call in day_calls)
    # 23:30 on Dec 2 in Santiago is Dec 3 in UTC: the no-answer counts on Dec 2, the retry on Dec 3.
    assert details[("2026-12-02", "no_answer", "dial_no_answer")]["calls"] == "2"  # the cancelled batch's, then this
    assert details[("2026-12-03", "answered", "user_hangup")]["calls"] == "1"
    assert sum(int(row["calls"]) for row in totals.values()) == len(calls) == 10
    # The other account's calls are its own; a range without calls is empty.
    other = report(stack, "daily_calls_by_outcome", account=data["low"]["account_id"], **DAYS)
    assert [(row["outcome"], row["calls"]) for row in other] == [("answered", "1"), ("(all)", "1")]
    assert report(stack, "daily_calls_by_outcome", account=data["cl"]["account_id"], **{"from": "2026-12-04"}) == []


def test_daily_calls_by_outcome_defaults_to_each_accounts_last_30_days(stack, data):
    today = datetime.now(SANTIAGO).date()
    got = report(stack, "daily_calls_by_outcome", account=data["cl"]["account_id"])
    assert all(today - timedelta(days=29) <= datetime.fromisoformat(row["day"]).date() <= today for row in got)


# batch_performance.sql ----------------------------------------------------------------------------------

def test_batch_performance_agrees_with_the_jobs_and_calls(stack, data):
    statuses = defaultdict(Counter)
    for batch_id, status in rows(stack, f"SELECT b.batch_id, j.status FROM jobs j JOIN batches b ON b.id = j.batch_id "
                                        f"WHERE j.account_id = {account_key(data['cl'])}"):
        statuses[batch_id][status] += 1
    calls = call_rows(stack, data["cl"])
    got = {row["batch_id"]: row for row in report(stack, "batch_performance", account=data["cl"]["account_id"])}
    assert set(got) == {data[name]["batch_id"] for name in ("uploaded", "cancelled", "promised", "midnight", "never")}
    for batch_id, row in got.items():
        for status in ("pending", "scheduled", "in_progress", "completed", "failed", "suspended", "cancelled"):
            assert int(row[f"{status}_jobs"]) == statuses[batch_id][status], (batch_id, status)
        assert int(row["total_jobs"]) == sum(statuses[batch_id].values())
        own = [call for call in calls if call["batch_id"] == batch_id]
        called = {call["contact_key"] for call in own}
        reached = {call["contact_key"] for call in own if call["outcome"] == "answered"}
        assert int(row["calls"]) == len(own)
        assert int(row["answered_calls"]) == sum(call["outcome"] == "answered" for call in own)
        assert (int(row["contacts_called"]), int(row["contacts_reached"])) == (len(called), len(reached))
        if called:
            assert Decimal(row["contact_rate"]) == (Decimal(100 * len(reached)) / len(called)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            assert row["contact_rate"] == ""
        assert Decimal(row["billed_minutes"]) == sum((dec(call["minutes"]) for call in own), Decimal(0))
        assert Decimal(row["charged_cost"]) == sum((dec(call["cost"]) for call in own), Decimal(0))
    uploaded = got[data["uploaded"]["batch_id"]]
    assert (uploaded["total_jobs"], uploaded["completed_jobs"], uploaded["failed_jobs"], uploaded["calls"],
            uploaded["contacts_called"], uploaded["contacts_reached"], uploaded["contact_rate"]) == \
        ("3", "2", "1", "4", "3", "2", "66.67")
    assert got[data["never"]["batch_id"]]["calls"] == "0" and got[data["never"]["batch_id"]]["cancelled_jobs"] == "1"
    # One batch by its id; the suspended account's jobs waiting for credit.
    one, = report(stack, "batch_performance", batch=data["short"]["batch_id"])
    assert (one["account_id"], one["completed_jobs"], one["suspended_jobs"], one["calls"]) == \
        (data["low"]["account_id"], "1", "2", "1")


# cost_and_margin.sql --------------------------------------------------------------------------------------

def test_cost_and_margin_per_day_and_per_batch(stack, data):
    calls = [call for call in call_rows(stack, data["cl"]) if call["settled"] == "t"]
    for by, key in (("day", lambda call: local_day(call["epoch"])), ("batch", lambda call: call["batch_id"])):
        got = report(stack, "cost_and_margin", account=data["cl"]["account_id"], by=by, **DAYS)
        assert {row["day" if by == "day" else "batch_id"] for row in got} == {key(call) for call in calls}
        for row in got:
            own = [call for call in calls if key(call) == row["day" if by == "day" else "batch_id"]]
            priced = [call for call in own if call["provider_cost"] != ""]
            provider = sum((Decimal(call["provider_cost"]) for call in priced), Decimal(0)) / 100
            charged_priced = sum((dec(call["cost"]) for call in priced), Decimal(0))
            assert int(row["settled_calls"]) == len(own) and int(row["priced_calls"]) == len(priced)
            assert int(row["unpriced_calls"]) == len(own) - len(priced)
            assert Decimal(row["charged_cost"]) == sum((dec(call["cost"]) for call in own), Decimal(0))
            assert Decimal(row["provider_cost"]) == provider
            assert Decimal(row["margin"]) == charged_priced - provider
    # The Retell batch: 3 calls of 60 s at 0.02 + 0.15/min, 0.12 each to the provider.
    retell, = [row for row in report(stack, "cost_and_margin", account=data["cl"]["account_id"], by="batch", **DAYS)
               if row["batch_id"] == data["promised"]["batch_id"]]
    assert (Decimal(retell["charged_cost"]), Decimal(retell["provider_cost"]), Decimal(retell["margin"]),
            retell["margin_percent"], retell["unpriced_calls"]) == \
        (Decimal("0.51"), Decimal("0.36"), Decimal("0.15"), "29.41", "0")
    # What the calls charged is what the ledger took from the account.
    ledger_usage = Decimal(stack.psql(f"SELECT -sum(amount) FROM credit_transactions WHERE type = 'call_usage' "
                                      f"AND account_id = {account_key(data['cl'])}"))
    everything = report(stack, "cost_and_margin", account=data["cl"]["account_id"], by="day", **DAYS)
    assert sum(Decimal(row["charged_cost"]) for row in everything) == ledger_usage > 0


def test_cost_and_margin_refuses_an_unknown_grouping(stack, data):
    result = as_analyst(stack, "-f", str(REPORTS / "cost_and_margin.sql"), variables={"by": "week"})
    assert result.returncode != 0 and "-v by must be day or batch, not week" in result.stderr


# ledger_reconciliation.sql ----------------------------------------------------------------------------------

def test_the_ledger_reconciles_for_every_account(stack, admin, data):
    got = report(stack, "ledger_reconciliation")
    assert len(got) == int(stack.psql("SELECT count(*) FROM accounts"))
    assert all(row["reconciled"] == "t" for row in got), [row for row in got if row["reconciled"] != "t"][:3]
    for row in got:
        for column in row:
            if column.endswith("_difference"):
                assert Decimal(row[column]) == 0, (row["account_id"], column)
    by_account = {row["account_id"]: row for row in got}
    for name in ("cl", "low"):
        account = data[name]
        ledger = rows(stack, f"SELECT unit, type, amount, reserved_change, cost FROM credit_transactions "
                             f"WHERE account_id = {account_key(account)}")
        balance = stack.api("GET", f"/api/v1/accounts/{account['account_id']}/balance", admin).json()
        row = by_account[account["account_id"]]
        credit_sum = sum(Decimal(amount) for unit, _, amount, _, _ in ledger if unit == "credits")
        assert Decimal(row["credit_balance"]) == Decimal(row["ledger_credit_balance"]) == credit_sum \
            == Decimal(str(balance["credit_balance"]))
        assert Decimal(row["credit_reserved"]) == Decimal(row["pending_hold_credits"]) == 0 == \
            sum(Decimal(reserved) for _, _, _, reserved, _ in ledger)
        assert Decimal(row["credit_used"]) == Decimal(str(balance["credit_used"])) == \
            sum(Decimal(cost) for _, kind, _, _, cost in ledger if kind == "call_usage")
    assert Decimal(by_account[data["cl"]["account_id"]]["credit_balance"]) < 150  # 100 + the top-up, less the calls


def test_the_reconciliation_shows_a_drift(stack, data):
    """A balance changed behind the ledger's back (in a transaction rolled back) is found and measured."""
    account = data["cl"]["account_id"]
    result = subprocess.run(
        ["psql", "-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", stack.database_url(), "-c", "BEGIN",
         "-c", f"UPDATE accounts SET credit_balance = credit_balance + 1.5, credit_reserved = credit_reserved + 0.25 "
               f"WHERE account_id = '{account}'",
         "-c", f"SET ROLE {ROLE}", "-f", str(REPORTS / "ledger_reconciliation.sql"), "-c", "ROLLBACK"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    drifted = [row for row in csv.DictReader(io.StringIO(result.stdout)) if row["reconciled"] == "f"]
    assert [row["account_id"] for row in drifted] == [account]
    assert Decimal(drifted[0]["credit_balance_difference"]) == Decimal("1.5")
    assert Decimal(drifted[0]["credit_reserved_difference"]) == Decimal("0.25")
    assert drifted[0]["newest_rows_match"] == "f"
    assert all(row["reconciled"] == "t" for row in report(stack, "ledger_reconciliation"))


# contacts_never_reached.sql -------------------------------------------------------------------------------

def test_contacts_never_reached(stack, data):
    key = account_key(data["cl"])
    answered = {job for job, in rows(stack, f"SELECT job_id FROM calls WHERE outcome = 'answered' AND account_id = {key}")}
    expected = {}
    for job_key, job_id, status, attempts, name, dni, phones, last_outcome in rows(stack, f"""
            SELECT id, job_id, status, attempts, contact_name, contact_dni, array_to_string(phones, ' '), last_outcome
            FROM jobs WHERE account_id = {key}"""):
        done = status == "failed" or (status in ("completed", "cancelled") and int(attempts) > 0)
        if done and job_key not in answered:
            expected[job_id] = (status, attempts, name, dni, phones, last_outcome)
    got = {row["job_id"]: row for row in report(stack, "contacts_never_reached", account=data["cl"]["account_id"])}
    assert {job: (row["status"], row["attempts"], row["contact_name"], row["contact_dni"], row["phones"],
                  row["last_outcome"]) for job, row in got.items()} == expected
    by_name = {(row["batch_id"], row["contact_name"]): row for row in got.values()}
    ana = by_name[(data["uploaded"]["batch_id"], "ANA MARIA PEREZ")]
    assert (ana["status"], ana["attempts"], ana["phones"], ana["last_outcome"], ana["last_call_outcome"],
            ana["last_call_phone"], ana["contact_dni"]) == \
        ("failed", "2", "+56912345678 +56223456789", "invalid_destination", "bad_number", "+56223456789", "12.345.678-5")
    no_answer = by_name[(data["cancelled"]["batch_id"], "Contacto 0")]
    assert (no_answer["status"], no_answer["attempts"], no_answer["last_call_outcome"]) == ("cancelled", "1", "no_answer")
    listed = by_name[(data["cancelled"]["batch_id"], "Contacto 1")]
    assert (listed["status"], listed["attempts"], listed["last_call_at"]) == ("failed", "0", "")
    assert "do-not-call" in listed["last_error"]
    assert len(got) == 3  # the batch cancelled before its first attempt tried to reach nobody
    one_batch = report(stack, "contacts_never_reached", batch=data["cancelled"]["batch_id"])
    assert {row["contact_name"] for row in one_batch} == {"Contacto 0", "Contacto 1"}


# promises_to_pay.sql --------------------------------------------------------------------------------------

def promises(stack, account):
    """job_id -> (promised date, amount, collected date text, collected amount text), read directly: the jobs
    that carry a promise and those whose latest call with collected variables has one."""
    found = {}
    for job_id, date, amount in rows(stack, f"""
            SELECT job_id, fecha_pago_cliente, monto_pago_cliente FROM jobs
            WHERE account_id = {account_key(account)}"""):
        found[job_id] = [date, amount, "", ""]
    for job_id, variables in rows(stack, f"""
            SELECT j.job_id, c.collected_variables FROM calls c JOIN jobs j ON j.id = c.job_id
            WHERE c.account_id = {account_key(account)} AND c.collected_variables IS NOT NULL
            ORDER BY c.attempt, c.id"""):
        collected = json.loads(variables)
        if "fecha_pago_cliente" in collected or "monto_pago_cliente" in collected:
            found[job_id][2:] = [collected.get("fecha_pago_cliente", ""), collected.get("monto_pago_cliente", "")]
    return {job_id: tuple(promise) for job_id, promise in found.items() if any(promise)}


def test_promises_to_pay(stack, data):
    today = datetime.now(SANTIAGO).date()
    for name in ("cl", "low"):
        got = report(stack, "promises_to_pay", account=data[name]["account_id"])
        assert {row["job_id"]: (row["promised_date"], row["promised_amount"], row["collected_date"],
                                row["collected_amount"]) for row in got} == promises(stack, data[name])
        for row in got:
            assert row["local_today"] == today.isoformat()
            if row["promised_date"]:
                days = (datetime.fromisoformat(row["promised_date"]).date() - today).days
                assert (row["date_passed"], int(row["days_to_promised_date"])) == ("t" if days < 0 else "f", days)
            else:
                assert row["date_passed"] == row["days_to_promised_date"] == ""
    got = report(stack, "promises_to_pay", account=data["cl"]["account_id"])
    assert {row["batch_id"] for row in got} == {data["promised"]["batch_id"]}
    by_phone = {row["phone"]: row for row in got}
    assert (by_phone["+56912345660"]["promised_date"], Decimal(by_phone["+56912345660"]["promised_amount"]),
            by_phone["+56912345660"]["date_passed"]) == ("2099-12-15", 150000, "f")
    assert (by_phone["+56912345661"]["date_passed"], by_phone["+56912345661"]["collected_date"]) == ("t", "2020-01-15")
    unreadable = by_phone["+56912345662"]
    assert (unreadable["promised_date"], Decimal(unreadable["promised_amount"]), unreadable["collected_date"],
            unreadable["collected_amount"]) == ("", 50000, "la próxima semana", "$50.000")
    assert [row["phone"] for row in got] == ["+56912345661", "+56912345660", "+56912345662"]  # soonest first
    assert [row["phone"] for row in report(stack, "promises_to_pay", batch=data["promised"]["batch_id"],
                                           passed="true")] == ["+56912345661"]
    assert [row["phone"] for row in report(stack, "promises_to_pay", account=data["cl"]["account_id"],
                                           passed="false")] == ["+56912345660"]


# batch_counters.sql and every file -----------------------------------------------------------------------

def test_every_report_runs_as_the_analysts_role(stack, data):
    names = sorted(path.stem for path in REPORTS.glob("*.sql"))
    assert names == ["batch_counters", "batch_performance", "contacts_never_reached", "cost_and_margin",
                     "daily_calls_by_outcome", "ledger_reconciliation", "promises_to_pay"]
    for name in names:
        report(stack, name)  # with its defaults (the figures are checked above)
    counters = {row["batch_id"]: row for row in report(stack, "batch_counters")}
    assert all(row["consistent"] == "t" for row in counters.values())
    for batch_id, total in rows(stack, "SELECT b.batch_id, count(j.id) FROM batches b LEFT JOIN jobs j "
                                       "ON j.batch_id = b.id GROUP BY b.batch_id"):
        assert counters[batch_id]["counted_total"] == counters[batch_id]["total_jobs"] == total


# The role ---------------------------------------------------------------------------------------------

BASE_TABLES = ["accounts", "api_keys", "credit_transactions", "credit_holds", "idempotency_keys", "events", "batches",
               "jobs", "calls", "webhook_receipts", "do_not_call", "schema_migrations"]


def test_the_role_reads_the_views_and_nothing_else(stack, data):
    assert as_analyst(stack, "-At", "-c", "SELECT current_user").stdout.strip() == ROLE
    attributes = stack.psql(f"SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls "
                            f"FROM pg_roles WHERE rolname = '{ROLE}'")
    assert attributes == "f|f|f|f|f"
    for table in BASE_TABLES:
        assert "permission denied for table" in refused(stack, f"SELECT * FROM {table} LIMIT 1"), table
    account = data["cl"]["account_id"]
    for sql in [f"UPDATE accounts SET credit_balance = credit_balance + 1 WHERE account_id = '{account}'",
                "INSERT INTO credit_transactions (account_id, type, unit, amount, balance_after, reserved_after) "
                "SELECT id, 'adjustment', 'credits', 1, 1, 0 FROM accounts LIMIT 1",
                "DELETE FROM jobs", "UPDATE calls SET charged_cost = 0", "TRUNCATE events",
                "SELECT speechai_apply_job_changes(ARRAY[1::bigint], ARRAY['pending'], ARRAY[1])"]:
        assert "permission denied for" in refused(stack, sql), sql
    views = stack.psql("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.views "
                       "WHERE table_schema = 'reporting'").split(",")
    assert len(views) == 7
    for view in views:
        for sql in [f"INSERT INTO reporting.{view} DEFAULT VALUES", f"UPDATE reporting.{view} SET account_id = 'x'",
                    f"DELETE FROM reporting.{view}"]:
            assert "ERROR" in refused(stack, sql), sql
        for privilege in ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"):
            assert stack.psql(f"SELECT has_table_privilege('{ROLE}', 'reporting.{view}', '{privilege}')") == "f"
        assert stack.psql(f"SELECT has_table_privilege('{ROLE}', 'reporting.{view}', 'SELECT')") == "t"
    for schema in ("public", "reporting"):
        assert "permission denied for schema" in refused(stack, f"CREATE TABLE {schema}.analyst_notes (id int)")
        assert "permission denied for schema" in refused(stack, f"CREATE VIEW {schema}.analyst_view AS SELECT 1")
    # Granted: SELECT on the reporting views, and nothing on any table, view or sequence elsewhere.
    grants = rows(stack, f"SELECT table_schema, privilege_type, count(*) FROM information_schema.role_table_grants "
                         f"WHERE grantee = '{ROLE}' GROUP BY 1, 2")
    assert grants == [["reporting", "SELECT", "7"]]
    assert stack.psql(f"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      f"WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'S', 'm') "
                      f"AND has_table_privilege('{ROLE}', c.oid, 'SELECT')") == "0"


def test_an_analysts_own_login_in_the_role_runs_the_reports(stack, data):
    """What the README tells an operator to do: a login of the analyst's own, granted the role."""
    analyst = "reports_test_analyst"
    stack.psql(f"DROP ROLE IF EXISTS {analyst}")
    stack.psql(f"CREATE ROLE {analyst} LOGIN IN ROLE {ROLE}")
    try:
        assert as_analyst(stack, "-At", "-c", "SELECT current_user", login=analyst).stdout.strip() == analyst
        result = as_analyst(stack, "-f", str(REPORTS / "batch_performance.sql"), login=analyst,
                            variables={"batch": data["uploaded"]["batch_id"]})
        assert result.returncode == 0, result.stderr
        assert [row["contacts_reached"] for row in csv.DictReader(io.StringIO(result.stdout))] == ["2"]
        assert "permission denied for table" in refused(stack, "SELECT * FROM calls LIMIT 1", login=analyst)
        assert "permission denied for schema" in refused(stack, "CREATE TABLE reporting.t (id int)", login=analyst)
        stack.psql(f"REVOKE {ROLE} FROM {analyst}")
        assert "permission denied for schema reporting" in refused(
            stack, "SELECT * FROM reporting.batch_performance", login=analyst)
    finally:
        stack.psql(f"DROP ROLE IF EXISTS {analyst}")


def test_the_migration_finds_the_role_of_another_database(stack):
    """Roles belong to the cluster: migrating a second database of it keeps the role, and grants it there."""
    name = "reports_second_database"
    stack.psql(f"DROP DATABASE IF EXISTS {name}")
    stack.psql(f"CREATE DATABASE {name}")
    try:
        url = stack.database_url().replace("/speechai?", f"/{name}?")
        migrated = subprocess.run([os.path.join(os.environ["BIN_DIR"], "speechai"), "migrate", "--directory",
                                   str(ROOT / "sql" / "migrations")], env=dict(os.environ, DATABASE_URL=url),
                                  capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stderr
        assert "009_reporting_views" in migrated.stdout + migrated.stderr
        check = subprocess.run(["psql", "-XAtq", url, "-c", f"SELECT count(*) FROM pg_roles WHERE rolname = '{ROLE}'",
                                "-c", f"SELECT has_table_privilege('{ROLE}', 'reporting.batch_performance', 'SELECT')"],
                               capture_output=True, text=True, timeout=30)
        assert check.stdout.split() == ["1", "t"], check.stderr
    finally:
        stack.psql(f"DROP DATABASE IF EXISTS {name}")
