"""The dispatcher end to end: the real speechai-dispatcher executable, PostgreSQL, nginx, the pool,
the simulator and a fake Retell server on loopback. Each pass runs at a test clock
(SPEECHAI_TEST_CLOCK / SPEECHAI_TEST_NOW) so that windows, the law and DST are tested without waiting."""
import json
import os
import subprocess
import threading
import uuid
from decimal import Decimal

import pytest

from fake_retell import API_KEY, WEBHOOK_KEY, FakeRetell, signature
from test_accounts import new_account
from test_lifecycle import rut

# A Wednesday, 12:00 in Santiago (UTC-3 in December).
WEDNESDAY_NOON = "2026-12-02T15:00:00Z"
ALWAYS = {"allowed_hours": {"start": "00:00", "end": "23:59"}, "days_of_week": [1, 2, 3, 4, 5, 6, 7]}


@pytest.fixture(autouse=True)
def quiet_campaigns(stack):
    """Every test starts with no campaign of another test left to dial."""
    stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    yield


@pytest.fixture
def retell():
    fake = FakeRetell()
    yield fake
    fake.close()


def dispatch(stack, now=WEDNESDAY_NOON, retell=None, **env):
    """One pass of the real dispatcher at `now`; returns its log line."""
    variables = dict(os.environ, DATABASE_URL=stack.database_url(), SPEECHAI_TEST_CLOCK="1", SPEECHAI_TEST_NOW=now,
                     SPEECHAI_SIMULATOR_DELAY="0")
    if retell is not None:
        variables.update(SPEECHAI_PROVIDER="retell", RETELL_BASE_URL=retell.url, RETELL_API_KEY=API_KEY,
                         RETELL_FROM_NUMBER="+56220000000", RETELL_AGENT_ID="agent_default")
    variables.update(env)
    result = subprocess.run([os.path.join(os.environ["BIN_DIR"], "speechai-dispatcher"), "run", "--max-seconds", "10"],
                            env=variables, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def campaign(stack, admin, phones, *, use_case="marketing", settings=ALWAYS, credits=100.0, account=None,
             first_rut=10_000_000, **fields):
    """A batch of one contact per entry of `phones` (a number or a list of numbers); contact n has RUT first_rut + n."""
    account = account or new_account(stack, admin, initial_credits=credits)
    contacts = [{"name": f"Contacto {index}", "rut": rut(first_rut + index),
                 "phones": entry if isinstance(entry, list) else [entry]}
                for index, entry in enumerate(phones)]
    body = {"account_id": account["account_id"], "name": "Campaña " + uuid.uuid4().hex[:6], "use_case": use_case,
            "contacts": contacts, **fields}
    if settings is not None:
        body["call_settings"] = settings
    response = stack.api("POST", "/api/v1/batches", admin, json=body)
    assert response.status_code == 201, response.text
    batch = response.json()["batch"]
    due_before_any_test_clock(stack, batch)
    return account, batch


def due_before_any_test_clock(stack, batch):
    """A job is due from its creation (the real clock); passes run at fixed test clocks, some of
    them earlier than today, so a test's jobs are made due since long before."""
    stack.psql(f"UPDATE jobs SET next_attempt_at = '2020-01-01' WHERE batch_id = "
               f"(SELECT id FROM batches WHERE batch_id = '{batch['batch_id']}')")


def jobs(stack, admin, batch):
    response = stack.api("GET", f"/api/v1/batches/{batch['batch_id']}/jobs?limit=1000", admin)
    assert response.status_code == 200, response.text
    return sorted(response.json()["jobs"], key=lambda job: job["contact"]["name"])


def calls(stack, batch, columns="phone, status, outcome, attempt", url=None):
    rows = stack.psql(
        f"SELECT {columns} FROM calls WHERE batch_id = (SELECT id FROM batches WHERE batch_id = '{batch['batch_id']}') "
        "ORDER BY id", url)
    return [row.split("|") for row in rows.splitlines()] if rows else []


def balance(stack, admin, account):
    return stack.api("GET", f"/api/v1/accounts/{account['account_id']}/balance", admin).json()


def reconciled(stack, url=None):
    """The ledger invariants (PRODUCT §4) and the batch counters, checked by the analysts' reports."""
    ledger = stack.psql(open("sql/reports/ledger_reconciliation.sql").read(), url)
    counters = stack.psql(open("sql/reports/batch_counters.sql").read(), url)
    return all(line.endswith("|t") for line in ledger.splitlines()) and \
        all(line.endswith("|t") for line in counters.splitlines())


# A campaign through the simulator ---------------------------------------------------------------

def test_a_campaign_runs_to_its_outcomes_and_charges_exactly(stack, admin):
    account, batch = campaign(stack, admin, ["+56912345670", "+56912345676", ["+56912345679", "+56912345671"]])
    line = dispatch(stack)
    assert "claimed=4" in line and "settled=4" in line, line
    answered, no_answer, bad_then_answered = jobs(stack, admin, batch)
    assert answered["status"] == "completed" and answered["last_outcome"] == "user_hangup"
    assert no_answer["status"] == "scheduled" and no_answer["last_outcome"] == "dial_no_answer"
    assert no_answer["next_attempt_at"].startswith("2026-12-03T15:00")  # retry_delay_hours 24
    assert bad_then_answered["status"] == "completed" and bad_then_answered["attempts"] == 2
    # One claim places the first three at once (in no promised order); the retry comes after them.
    placed = calls(stack, batch)
    assert sorted(placed[:3]) == [
        ["+56912345670", "ended", "answered", "1"], ["+56912345676", "ended", "no_answer", "1"],
        ["+56912345679", "ended", "bad_number", "1"]]
    assert placed[3:] == [["+56912345671", "ended", "answered", "2"]]
    # 0.02 + 90 s x 0.15/min and 0.02 + 91 s x 0.15/min; the failed calls cost nothing.
    money = balance(stack, admin, account)
    assert Decimal(str(money["credit_balance"])) == Decimal("100") - Decimal("0.245") - Decimal("0.2475")
    assert Decimal(str(money["credit_reserved"])) == 0
    summary = stack.api("GET", f"/api/v1/batches/{batch['batch_id']}/summary", admin).json()
    assert Decimal(str(summary["total_cost"])) == Decimal("0.4925")
    assert Decimal(str(summary["total_minutes"])) == Decimal("3.0167")  # 90 s + 91 s
    # Placed at 12:00 in Santiago: one hour bucket, 2 conversations in 4 calls.
    assert summary["hourly_stats"] == [{"date": "2026-12-02", "hour": 12, "total_calls": 4, "successful_calls": 2,
                                        "success_rate": 50}]
    assert reconciled(stack)
    # Nothing is due any more: a second pass dials no one.
    assert "claimed=0" in dispatch(stack)


def test_max_attempts_ends_in_failed(stack, admin):
    _, batch = campaign(stack, admin, ["+56912345676"], settings={**ALWAYS, "max_attempts": 2, "retry_delay_hours": 1})
    dispatch(stack, "2026-12-02T15:00:00Z")
    dispatch(stack, "2026-12-02T16:00:01Z")
    job, = jobs(stack, admin, batch)
    assert job["status"] == "failed" and job["attempts"] == 2 and "2 attempts" in job["last_error"]
    assert "claimed=0" in dispatch(stack, "2026-12-02T18:00:00Z")


# Windows, the law and DST -------------------------------------------------------------------------

def dialled(stack, admin, now, *, settings=ALWAYS, use_case="marketing"):
    _, batch = campaign(stack, admin, ["+56912345670"], settings=settings, use_case=use_case)
    dispatch(stack, now)
    count = len(calls(stack, batch))
    stack.api("POST", f"/api/v1/batches/{batch['batch_id']}/cancel", admin)
    return count


@pytest.mark.parametrize("now,expected", [
    ("2026-12-02T11:59:59Z", 0),  # 08:59:59 in Santiago
    ("2026-12-02T12:00:00Z", 1),  # 09:00 exactly: the window is half-open [start, end)
    ("2026-12-02T22:59:59Z", 1),  # 19:59:59
    ("2026-12-02T23:00:00Z", 0),  # 20:00
    ("2026-12-05T15:00:00Z", 0),  # Saturday: the default days are Monday to Friday
])
def test_the_batch_window_edges(stack, admin, now, expected):
    assert dialled(stack, admin, now, settings=None) == expected


@pytest.mark.parametrize("now,expected", [
    ("2026-12-03T00:59:00Z", 0),  # Wednesday 21:59: before the window opens
    ("2026-12-03T01:00:00Z", 1),  # Wednesday 22:00
    ("2026-12-03T04:59:00Z", 1),  # Thursday 01:59, still Wednesday's window
    ("2026-12-03T05:00:00Z", 0),  # Thursday 02:00
    ("2026-12-06T04:00:00Z", 0),  # Sunday 01:00: Saturday's window, and Saturday is not a calling day
])
def test_an_overnight_window_belongs_to_the_day_it_starts(stack, admin, now, expected):
    settings = {"allowed_hours": {"start": "22:00", "end": "02:00"}, "days_of_week": [1, 2, 3, 4, 5]}
    assert dialled(stack, admin, now, settings=settings) == expected


@pytest.mark.parametrize("now,expected", [
    ("2026-04-04T12:30:00Z", 1),  # Saturday 09:30 (UTC-3) before clocks go back
    ("2026-04-06T12:30:00Z", 0),  # Monday 08:30 (UTC-4) after
    ("2026-04-06T13:30:00Z", 1),  # Monday 09:30 (UTC-4)
    ("2026-09-05T13:30:00Z", 1),  # Saturday 09:30 (UTC-4) before clocks go forward
    ("2026-09-07T13:30:00Z", 0),  # Monday 10:30 (UTC-3) after
    ("2026-09-07T12:30:00Z", 1),  # Monday 09:30 (UTC-3)
])
def test_windows_follow_santiagos_dst_changes(stack, admin, now, expected):
    settings = {"allowed_hours": {"start": "09:00", "end": "10:00"}, "days_of_week": [1, 2, 3, 4, 5, 6, 7],
                "timezone": "America/Santiago"}
    assert dialled(stack, admin, now, settings=settings) == expected


@pytest.mark.parametrize("now,expected", [
    ("2026-12-02T15:00:00Z", 1),  # Wednesday 12:00
    ("2026-12-05T15:00:00Z", 1),  # Saturday is a working day for collections
    ("2026-12-06T15:00:00Z", 0),  # Sunday
    ("2026-12-08T15:00:00Z", 0),  # Tuesday 8 December, Inmaculada Concepción
    ("2026-12-02T23:30:00Z", 0),  # 20:30, although the batch allows it
    ("2026-12-02T10:30:00Z", 0),  # 07:30
])
def test_chilean_debt_collection_follows_ley_21320(stack, admin, now, expected):
    assert dialled(stack, admin, now, use_case="debt_collection") == expected


def test_an_operator_sees_which_rule_holds_a_batch_back(stack, admin):
    _, batch = campaign(stack, admin, ["+56912345670"], use_case="debt_collection")
    held_back_at = lambda at: stack.psql(  # noqa: E731 - the claim's own functions, at a chosen time
        f"SELECT coalesce(speechai_batch_held_back(b, 'active', 'America/Santiago', '{at}'), 'none') FROM batches b "
        f"WHERE batch_id = '{batch['batch_id']}'")
    assert held_back_at("2026-12-02T15:00:00Z") == "none"
    assert held_back_at("2026-12-08T15:00:00Z").startswith("Public holiday in CL (")
    assert "Ley 21.320" in held_back_at("2026-12-08T15:00:00Z")
    assert held_back_at("2026-12-02T23:30:00Z").startswith(
        "Outside the legal calling hours for debt collection in CL (08:00-20:00 America/Santiago, ISO days 1,2,3,4,5,6)")
    assert held_back_at("2026-12-06T15:00:00Z").startswith("Outside the legal calling hours")
    # Through the API, at the real time: a window of none of today's days, then a suspended account.
    today = int(stack.psql("SELECT extract(isodow FROM now() AT TIME ZONE 'America/Santiago')"))
    account, own = campaign(stack, admin, ["+56912345670"], settings={
        "allowed_hours": {"start": "00:00", "end": "23:59"}, "days_of_week": [day for day in range(1, 8) if day != today]})
    shown = stack.api("GET", f"/api/v1/batches/{own['batch_id']}", admin).json()["calling_held_back_by"]
    assert shown.startswith("Outside the batch's own calling window (call_settings: days_of_week [")
    stack.api("PUT", f"/api/v1/accounts/{account['account_id']}/suspend", admin)
    shown = stack.api("GET", f"/api/v1/batches/{own['batch_id']}", admin).json()["calling_held_back_by"]
    assert shown == "The account is suspended"
    stack.api("POST", f"/api/v1/batches/{own['batch_id']}/cancel", admin)
    assert stack.api("GET", f"/api/v1/batches/{own['batch_id']}", admin).json()["calling_held_back_by"] is None


def test_a_debtor_answered_in_one_batch_is_not_called_by_another_within_7_days(stack, admin):
    account, first = campaign(stack, admin, ["+56912345670"], use_case="debt_collection")
    dispatch(stack, "2026-12-02T15:00:00Z")
    assert jobs(stack, admin, first)[0]["status"] == "completed"
    # The same person (the same RUT) in another batch of the account.
    _, second = campaign(stack, admin, ["+56912345670"], use_case="debt_collection", account=account,
                         allow_duplicates=True)
    assert "held_back=1" in dispatch(stack, "2026-12-05T15:00:00Z")
    assert calls(stack, second) == []
    # The operator sees the rule and when the debtor may be called again.
    held = jobs(stack, admin, second)[0]
    ended = stack.psql(f"SELECT to_char((ended_at + interval '7 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
                       f"FROM calls WHERE batch_id = (SELECT id FROM batches WHERE batch_id = '{first['batch_id']}')")
    assert held["status"] == "pending" and held["next_attempt_at"].startswith(ended)
    assert "conversation in the last 7 days" in held["last_error"] and ended in held["last_error"]
    # Not due until then: a later pass neither calls it nor holds it back again.
    assert "claimed=0" in (line := dispatch(stack, "2026-12-07T15:00:00Z")) and "held_back=0" in line
    assert calls(stack, second) == []
    dispatch(stack, "2026-12-09T15:05:00Z")  # 7 days after the first call ended
    assert len(calls(stack, second)) == 1


# Pause, cancel, suspended accounts, credit --------------------------------------------------------

def test_pause_stops_new_calls_and_resume_brings_them_back(stack, admin):
    _, batch = campaign(stack, admin, ["+56912345670"])
    assert stack.api("PUT", f"/api/v1/batches/{batch['batch_id']}/pause", admin).status_code == 200
    assert "claimed=0" in dispatch(stack)
    assert stack.api("PUT", f"/api/v1/batches/{batch['batch_id']}/resume", admin).status_code == 200
    assert "claimed=1" in dispatch(stack, "2026-12-02T15:00:10Z")


def test_a_suspended_account_is_not_dialled(stack, admin):
    account, _ = campaign(stack, admin, ["+56912345670"])
    stack.api("PUT", f"/api/v1/accounts/{account['account_id']}/suspend", admin)
    assert "claimed=0" in dispatch(stack)


def test_calls_in_flight_when_a_batch_is_cancelled_finish_without_retries(stack, admin):
    _, batch = campaign(stack, admin, ["+56912345676", "+56912345670"])
    dispatch(stack, SPEECHAI_SIMULATOR_DELAY="60")  # placed, results not in yet
    assert [job["status"] for job in jobs(stack, admin, batch)] == ["in_progress", "in_progress"]
    assert stack.api("POST", f"/api/v1/batches/{batch['batch_id']}/cancel", admin).status_code == 200
    dispatch(stack, "2026-12-02T15:02:00Z", SPEECHAI_SIMULATOR_DELAY="60")
    no_answer, answered = jobs(stack, admin, batch)
    assert no_answer["status"] == "cancelled" and answered["status"] == "completed"
    assert len(calls(stack, batch)) == 2


def test_an_account_out_of_credit_suspends_its_jobs_until_a_top_up(stack, admin):
    # One hold is 0.02 + 5 min x 0.15 = 0.77: 1.50 pays for one hold at a time (and the batch's estimate, 1.41).
    account, batch = campaign(stack, admin, ["+56912345670", "+56912345671", "+56912345672"], credits=1.5)
    line = dispatch(stack)
    assert "claimed=1" in line and "suspended=2" in line, line
    assert sorted(job["status"] for job in jobs(stack, admin, batch)) == ["completed", "suspended", "suspended"]
    response = stack.api("POST", f"/api/v1/accounts/{account['account_id']}/topup", admin, json={"credits": 10})
    assert response.status_code == 200
    assert sorted(job["status"] for job in jobs(stack, admin, batch)) == ["completed", "pending", "pending"]
    due_before_any_test_clock(stack, batch)  # the top-up made them due at the real clock's now
    dispatch(stack, "2026-12-02T15:01:00Z")
    assert [job["status"] for job in jobs(stack, admin, batch)] == ["completed"] * 3
    assert reconciled(stack)


def test_a_do_not_call_number_is_skipped_to_the_next_phone(stack, admin):
    account, batch = campaign(stack, admin, [["+56912345670", "+56912345671"], ["+56912345672"]])
    stack.psql(f"INSERT INTO do_not_call (account_id, phone) SELECT id, p FROM accounts, "
               f"unnest(ARRAY['+56912345670', '+56912345672']) AS p WHERE account_id = '{account['account_id']}'")
    dispatch(stack)
    first, second = jobs(stack, admin, batch)
    assert [call[0] for call in calls(stack, batch)] == ["+56912345671"]
    assert first["status"] == "completed"
    assert second["status"] == "failed" and "do-not-call" in second["last_error"]


def test_concurrency_caps_and_the_daily_limit_hold_with_three_dispatchers(stack, admin):
    account = new_account(stack, admin, initial_credits=1000.0)
    stack.api("PATCH", f"/api/v1/accounts/{account['account_id']}", admin,
              json={"max_concurrent_calls": 3, "daily_call_limit": 5})
    capped = {**ALWAYS, "max_concurrent_calls": 2}
    _, first = campaign(stack, admin, [f"+569123450{n:02d}" for n in range(10)], account=account, settings=capped)
    _, second = campaign(stack, admin, [f"+569123451{n:02d}" for n in range(10)], account=account, first_rut=10_100_000)
    outputs = []
    threads = [threading.Thread(target=lambda: outputs.append(dispatch(stack, SPEECHAI_SIMULATOR_DELAY="600")))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    open_calls = stack.psql(f"SELECT count(*) FROM calls WHERE settled_at IS NULL AND account_id = "
                            f"(SELECT id FROM accounts WHERE account_id = '{account['account_id']}')")
    assert open_calls == "3", outputs
    assert len(calls(stack, first)) <= 2
    # Later the same day, with those calls over: the daily limit (5) stops the account at 5 calls.
    for minute in (20, 40):
        dispatch(stack, f"2026-12-02T15:{minute}:00Z", SPEECHAI_SIMULATOR_DELAY="0")
    total = stack.psql(f"SELECT count(*) FROM calls WHERE account_id = "
                       f"(SELECT id FROM accounts WHERE account_id = '{account['account_id']}')")
    assert total == "5"


# Retell: the HTTP client, webhooks and polls -------------------------------------------------------

def webhook(stack, event, call, key=WEBHOOK_KEY, timestamp_ms=None, header=None):
    body = json.dumps({"event": event, "call": call}).encode()
    return stack.api("POST", "/api/v1/webhooks/retell", data=body, headers={
        "Content-Type": "application/json",
        "x-retell-signature": header if header is not None else signature(body, key, timestamp_ms)})


def test_retell_calls_carry_the_attempt_agent_and_variables_and_a_webhook_settles_them(stack, admin, retell):
    account, batch = campaign(stack, admin, ["+56912345670"], use_case="debt_collection", settings=None,
                              retell_agent_id="agent_batch")
    line = dispatch(stack, retell=retell)
    assert "placed=1" in line, line
    request, = retell.created()
    assert request["to_number"] == "+56912345670" and request["from_number"] == "+56220000000"
    assert request["override_agent_id"] == "agent_batch"
    variables = request["retell_llm_dynamic_variables"]
    assert all(isinstance(value, str) for value in variables.values())
    assert variables["nombre"] == "Contacto 0" and variables["current_time_America_Santiago"] == "2026-12-02 12:00 -03"
    attempt = request["metadata"]["attempt_id"]
    assert stack.psql(f"SELECT status FROM calls WHERE attempt_id = '{attempt}'") == "placed"
    call_id = next(iter(retell.calls))

    ended = retell.finish(call_id, "agent_hangup", 60_000)
    # A forged, a stale and a malformed signature change nothing.
    assert webhook(stack, "call_ended", ended, key="wrong").status_code == 401
    assert webhook(stack, "call_ended", ended, timestamp_ms=1).status_code == 401
    assert webhook(stack, "call_ended", ended, header="v=1,d=00").status_code == 401
    assert jobs(stack, admin, batch)[0]["status"] == "in_progress"
    response = webhook(stack, "call_ended", ended)
    assert response.status_code == 200 and response.json()["matched"] is True
    job, = jobs(stack, admin, batch)
    assert job["status"] == "completed"
    # A replay is acknowledged and changes nothing; a later poll finds the call settled.
    assert webhook(stack, "call_ended", ended).json()["duplicate"] is True
    dispatch(stack, "2026-12-02T16:00:00Z", retell=retell)
    assert calls(stack, batch, "status, charged_cost") == [["ended", "0.1700"]]
    assert Decimal(str(balance(stack, admin, account)["credit_used"])) == Decimal("0.17")
    # The analysis brings the promised payment to the job.
    analyzed = {**ended, "call_analysis": {"call_summary": "Promete pagar",
                                           "custom_analysis_data": {"fecha_pago_cliente": "15/12/2026",
                                                                    "monto_pago_cliente": "$150.000"}}}
    assert webhook(stack, "call_analyzed", analyzed).status_code == 200
    assert stack.psql(f"SELECT fecha_pago_cliente, monto_pago_cliente FROM jobs WHERE job_id = '{job['job_id']}'") \
        == "2026-12-15|150000.0000"
    assert reconciled(stack)


def test_without_a_webhook_the_poll_settles_the_call_once(stack, admin, retell):
    _, batch = campaign(stack, admin, ["+56912345670"])
    dispatch(stack, retell=retell)
    call_id = next(iter(retell.calls))
    retell.finish(call_id, "user_hangup", 30_000)
    # The first poll is due after max_call_duration (300 s) + 120 s.
    dispatch(stack, "2026-12-02T15:05:00Z", retell=retell)
    assert jobs(stack, admin, batch)[0]["status"] == "in_progress"
    dispatch(stack, "2026-12-02T15:08:00Z", retell=retell)
    assert jobs(stack, admin, batch)[0]["status"] == "completed"
    ended = dict(retell.calls[call_id])
    assert webhook(stack, "call_ended", ended).json()["matched"] is True  # late webhook: settled already
    assert calls(stack, batch, "status") == [["ended"]]
    assert len(retell.created()) == 1 and reconciled(stack)


def test_a_provider_that_times_out_after_accepting_is_never_called_twice_for_the_attempt(stack, admin, retell):
    _, batch = campaign(stack, admin, ["+56912345670"])
    retell.behaviour, retell.slow_seconds = "slow_accept", 3
    line = dispatch(stack, retell=retell, RETELL_TIMEOUT_SECONDS="1")
    assert "uncertain=1" in line, line
    assert calls(stack, batch, "status") == [["placing"]]
    retell.behaviour = "accept"
    # Passes before the hard limit do not dial again; the webhook (matched by the attempt id in the
    # metadata) settles the attempt.
    dispatch(stack, "2026-12-02T15:03:00Z", retell=retell)
    assert len(retell.created()) == 1
    call_id = next(iter(retell.calls))
    assert webhook(stack, "call_ended", retell.finish(call_id, "user_hangup", 20_000)).json()["matched"] is True
    assert jobs(stack, admin, batch)[0]["status"] == "completed"
    assert len(retell.created()) == 1 and reconciled(stack)


def test_an_attempt_that_never_reports_back_is_closed_as_lost_and_retried(stack, admin, retell):
    account, batch = campaign(stack, admin, ["+56912345670"])
    retell.behaviour, retell.slow_seconds = "slow_accept", 3
    dispatch(stack, retell=retell, RETELL_TIMEOUT_SECONDS="1")
    retell.calls.clear()  # the provider never heard of it after all
    retell.behaviour = "accept"
    # Past max_call_duration + 900 s the attempt is lost: its hold released, the job retried later.
    dispatch(stack, "2026-12-02T15:21:00Z", retell=retell)
    assert calls(stack, batch, "status, outcome") == [["lost", "lost"]]
    job, = jobs(stack, admin, batch)
    assert job["status"] == "scheduled" and job["attempts"] == 1
    assert Decimal(str(balance(stack, admin, account)["credit_reserved"])) == 0
    assert reconciled(stack)


def test_a_provider_refusal_releases_the_hold_and_retries_later(stack, admin, retell):
    account, batch = campaign(stack, admin, ["+56912345670"])
    retell.behaviour = "refuse"
    assert "refused=1" in dispatch(stack, retell=retell)
    job, = jobs(stack, admin, batch)
    assert job["status"] == "scheduled" and calls(stack, batch, "status") == [["not_placed"]]
    assert Decimal(str(balance(stack, admin, account)["credit_reserved"])) == 0


# The do-not-call list ------------------------------------------------------------------------------

def test_the_do_not_call_list_through_the_api(stack, admin):
    account = new_account(stack, admin)
    path = f"/api/v1/accounts/{account['account_id']}/do-not-call"
    response = stack.api("POST", path, admin, json={"phones": ["9 1234 5670", "+56912345671", "hola"], "reason": "pidió no llamar"})
    assert response.status_code == 201, response.text
    assert response.json()["added"] == 2 and response.json()["invalid"] == ["hola"]
    assert stack.api("POST", path, admin, json={"phones": ["+56912345670"]}).json()["already_listed"] == 1
    listed = stack.api("GET", path, admin).json()
    assert listed["total"] == 2 and {entry["phone"] for entry in listed["numbers"]} == {"+56912345670", "+56912345671"}
    upload = stack.api("POST", path + "/upload", admin, files={"file": ("no_llame.csv", b"telefono\n912345672\n+56912345673\n")})
    assert upload.status_code == 201 and upload.json()["added"] == 2, upload.text
    assert stack.api("DELETE", path + "/+56912345671", admin).status_code == 200
    assert stack.api("DELETE", path + "/+56912345671", admin).status_code == 404
    assert stack.api("GET", path, admin).json()["total"] == 3
    # Another tenant's key sees nothing of it.
    other = new_account(stack, admin)
    assert stack.api("GET", path, stack.create_key(other["account_id"])).status_code == 404
    assert stack.api("POST", path, admin, json={"phones": []}).status_code == 400
    # The dispatcher skips listed numbers.
    _, batch = campaign(stack, admin, [["+56912345670", "+56912345674"]], account=account)
    dispatch(stack)
    assert [call[0] for call in calls(stack, batch)] == ["+56912345674"]
