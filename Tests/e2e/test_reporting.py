"""What clients read back after a campaign: the dashboard, the call history, a call's detail, the
jobs' call_result, the batch reports (CSV and xlsx) and /internal/metrics — each checked against
direct SQL counts of jobs, calls and ledger rows, through nginx, with tenants kept apart."""
import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from test_accounts import new_account
from test_dispatch import campaign, dispatch, due_before_any_test_clock
from test_lifecycle import rut

# Santiago is UTC-3 in December: 02:30Z is still Dec 1 there, 03:30Z is already Dec 2.
LATE_DEC_1 = "2026-12-02T02:30:00Z"
EARLY_DEC_2 = "2026-12-02T03:30:00Z"
ALWAYS = {"allowed_hours": {"start": "00:00", "end": "23:59"}, "days_of_week": [1, 2, 3, 4, 5, 6, 7]}
FORMULA_NAME = '=HYPERLINK("http://evil.example/x","clic")'


def post_batch(stack, admin, account, contacts):
    response = stack.api("POST", "/api/v1/batches", admin, json={
        "account_id": account["account_id"], "name": "Reportes", "use_case": "marketing", "call_settings": ALWAYS,
        "contacts": contacts})
    assert response.status_code == 201, response.text
    batch = response.json()["batch"]
    due_before_any_test_clock(stack, batch)
    return batch


def contact(name, number, *phones):
    return {"name": name, "rut": rut(number), "phones": list(phones)}


@pytest.fixture(scope="module")
def scenario(stack, admin):
    """Account A: a batch dialled late on Dec 1 (Santiago) and one early on Dec 2; account B: its own."""
    stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    a = new_account(stack, admin, initial_credits=100.0, country="CL")
    b = new_account(stack, admin, initial_credits=50.0, country="CL")
    first = post_batch(stack, admin, a, [
        contact(FORMULA_NAME, 20_000_001, "+56912345620"),        # answered, promises 30,000
        contact("NO CONTESTA", 20_000_002, "+56912345676"),       # no answer: scheduled
        contact("CONTESTA", 20_000_003, "+56912345673"),          # answered
        contact("DOS NUMEROS", 20_000_004, "+56912345679", "+56912345671"),  # bad number, then answered
    ])
    dispatch(stack, now=LATE_DEC_1)
    second = post_batch(stack, admin, a, [contact("SEGUNDA", 20_000_005, "+56922222230")])
    dispatch(stack, now=EARLY_DEC_2)
    other = post_batch(stack, admin, b, [contact("OTRA EMPRESA", 20_000_006, "+56933333333")])
    dispatch(stack, now=EARLY_DEC_2)
    return {"a": a, "b": b, "first": first, "second": second, "other": other,
            "key_a": stack.create_key(a["account_id"]), "key_b": stack.create_key(b["account_id"])}


def sql_int(stack, query):
    return int(stack.psql(query))


def account_key_sql(account):
    return f"(SELECT id FROM accounts WHERE account_id = '{account['account_id']}')"


def batch_key_sql(batch):
    return f"(SELECT id FROM batches WHERE batch_id = '{batch['batch_id']}')"


def get(stack, key, path):
    response = stack.api("GET", path, key)
    assert response.status_code == 200, (path, response.text)
    return response.json()


# The dashboard ----------------------------------------------------------------------------------

def test_the_dashboard_agrees_with_the_database(stack, admin, scenario):
    a = scenario["a"]
    where = f"account_id = {account_key_sql(a)}"
    stats = get(stack, scenario["key_a"], "/api/v1/dashboard/stats")
    assert stats["account_id"] == a["account_id"]
    assert stats["total_batches"] == sql_int(stack, f"SELECT count(*) FROM batches WHERE {where} AND deleted_at IS NULL") == 2
    assert stats["total_jobs"] == sql_int(stack, f"SELECT count(*) FROM jobs WHERE {where}") == 5
    for status in ["pending", "scheduled", "in_progress", "completed", "failed", "suspended", "cancelled"]:
        assert stats[f"{status}_jobs"] == sql_int(stack, f"SELECT count(*) FROM jobs WHERE {where} AND status = '{status}'")
    assert stats["completed_jobs"] == 4 and stats["scheduled_jobs"] == 1
    assert stats["total_calls"] == sql_int(stack, f"SELECT count(*) FROM calls WHERE {where} AND settled_at IS NOT NULL") == 6
    charged = Decimal(stack.psql(f"SELECT sum(charged_cost) FROM calls WHERE {where}"))
    spent = -Decimal(stack.psql(f"SELECT sum(amount) FROM credit_transactions WHERE {where} AND type = 'call_usage'"))
    assert Decimal(str(stats["total_cost"])) == charged == spent
    assert Decimal(str(stats["total_minutes"])) == Decimal(stack.psql(f"SELECT sum(charged_minutes) FROM calls WHERE {where}"))
    assert Decimal(str(stats["success_rate"])) == 100  # 4 completed, none failed

    overview = get(stack, scenario["key_a"], "/api/v1/dashboard/overview")
    balance = Decimal(stack.psql(f"SELECT credit_balance FROM accounts WHERE account_id = '{a['account_id']}'"))
    assert Decimal(str(overview["account"]["credit_balance"])) == balance == Decimal("100") - spent
    assert overview["batches"] == {"total": 2, "active": 1, "paused": 0, "completed": 1, "cancelled": 0}
    assert overview["jobs"]["total"] == 5 and overview["jobs"]["completed"] == 4
    assert Decimal(str(overview["costs"]["total_spent"])) == charged
    assert Decimal(str(overview["costs"]["average_per_call"])) == (charged / 6).quantize(Decimal("0.0001"))
    activity = overview["recent_activity"]
    assert [event["type"] for event in activity].count("batch_created") == 2
    assert all(event["account_id"] == a["account_id"] for event in activity)
    assert [event["created_at"] for event in activity] == sorted((e["created_at"] for e in activity), reverse=True)


def test_an_admin_without_account_id_sees_every_account(stack, admin, scenario):
    stats = get(stack, admin, "/api/v1/dashboard/stats")
    assert stats["account_id"] is None
    assert stats["total_jobs"] == sql_int(stack, "SELECT count(*) FROM jobs")
    assert stats["total_calls"] == sql_int(stack, "SELECT count(*) FROM calls WHERE settled_at IS NOT NULL")
    assert Decimal(str(stats["total_cost"])) == Decimal(stack.psql("SELECT coalesce(sum(charged_cost), 0) FROM calls"))
    overview = get(stack, admin, "/api/v1/dashboard/overview")
    assert overview["account"] is None
    assert len(overview["recent_activity"]) == min(20, sql_int(stack, "SELECT count(*) FROM events"))
    assert [event["message"] for event in overview["recent_activity"]] == stack.psql(
        "SELECT message FROM events ORDER BY created_at DESC, id DESC LIMIT 20").splitlines()
    by_account = get(stack, admin, f"/api/v1/dashboard/stats?account_id={scenario['a']['_id']}")
    assert by_account["account_id"] == scenario["a"]["account_id"] and by_account["total_jobs"] == 5


# The call history -------------------------------------------------------------------------------

def history(stack, key, query=""):
    return get(stack, key, "/api/v1/calls/history" + query)


def test_the_history_lists_every_call_newest_first(stack, scenario):
    a = scenario["a"]
    page = history(stack, scenario["key_a"], "?limit=1000")
    assert page["total"] == len(page["calls"]) == sql_int(
        stack, f"SELECT count(*) FROM calls WHERE account_id = {account_key_sql(a)}") == 6
    assert [call["call_id"] for call in page["calls"]] == stack.psql(
        f"SELECT attempt_id FROM calls WHERE account_id = {account_key_sql(a)} ORDER BY created_at DESC, id DESC").splitlines()
    first = page["calls"][0]
    assert set(first) >= {"call_id", "job_id", "batch_id", "contact_name", "phone", "status", "duration_ms", "cost",
                          "created_at", "disconnection_reason", "recording_url"}
    assert first["batch_id"] == scenario["second"]["batch_id"] and first["contact_name"] == "SEGUNDA"
    bad = next(call for call in page["calls"] if call["phone"] == "+56912345679")
    assert bad["status"] == "ended" and bad["outcome"] == "bad_number"
    assert bad["disconnection_reason"] == "invalid_destination" and Decimal(str(bad["cost"])) == 0
    # Pages do not overlap and cover everything.
    pages = [history(stack, scenario["key_a"], f"?limit=4&skip={skip}") for skip in (0, 4)]
    ids = [call["call_id"] for part in pages for call in part["calls"]]
    assert ids == [call["call_id"] for call in page["calls"]] and pages[1]["total"] == 6


def test_every_history_filter_matches_sql(stack, admin, scenario):
    a, first = scenario["a"], scenario["first"]
    key = scenario["key_a"]
    by_batch = history(stack, key, f"?batch_id={first['batch_id']}")
    assert by_batch["total"] == sql_int(stack, f"SELECT count(*) FROM calls WHERE batch_id = {batch_key_sql(first)}") == 5
    by_object_id = history(stack, key, f"?batch_id={first['_id']}")
    assert by_object_id["total"] == 5
    job = next(call for call in by_batch["calls"] if call["phone"] == "+56912345671")
    by_job = history(stack, key, f"?job_id={job['job_id']}")
    assert [call["attempt"] for call in by_job["calls"]] == [2, 1]
    assert history(stack, key, "?phone=%2B56912345676")["total"] == 1
    assert history(stack, key, "?status=ended")["total"] == sql_int(
        stack, f"SELECT count(*) FROM calls WHERE account_id = {account_key_sql(a)} AND status = 'ended'")
    assert history(stack, key, "?status=placing")["total"] == 0
    # Days are Santiago's: the first batch was dialled on Dec 1 there, the second on Dec 2.
    dec_1 = history(stack, key, "?start_date=2026-12-01&end_date=2026-12-01")
    dec_2 = history(stack, key, "?start_date=2026-12-02&end_date=2026-12-02")
    assert dec_1["total"] == 5 and {call["batch_id"] for call in dec_1["calls"]} == {first["batch_id"]}
    assert dec_2["total"] == 1 and dec_2["calls"][0]["batch_id"] == scenario["second"]["batch_id"]
    assert history(stack, key, "?start_date=2026-12-02")["total"] == 1
    assert history(stack, key, "?end_date=2026-12-01")["total"] == 5
    assert history(stack, key, "?start_date=2026-12-03")["total"] == 0
    # Combined with the account of an admin query.
    combined = history(stack, admin, f"?account_id={a['account_id']}&batch_id={first['batch_id']}&status=ended&end_date=2026-12-01")
    assert combined["total"] == 5


def test_totals_from_counters_match_a_count(stack, admin, scenario):
    """Unfiltered, per-account and per-batch totals come from the batches' counters plus the open calls
    (not from counting); every other filter counts. Both must say what a count over the rows says."""
    a, first = scenario["a"], scenario["first"]
    assert history(stack, admin, "?limit=1")["total"] == sql_int(stack, "SELECT count(*) FROM calls")
    assert history(stack, admin, f"?account_id={a['account_id']}&batch_id={scenario['other']['batch_id']}")["total"] == 0
    # Days of every account, each in its own zone (no account named).
    assert history(stack, admin, "?start_date=2026-12-01&end_date=2026-12-01&limit=1")["total"] == sql_int(stack, """
        SELECT count(*) FROM calls c JOIN accounts a ON a.id = c.account_id
        WHERE c.created_at >= '2026-12-01'::timestamp AT TIME ZONE a.timezone
          AND c.created_at < '2026-12-02'::timestamp AT TIME ZONE a.timezone""")
    jobs = [("?limit=1", "true"), ("?status=failed&limit=1", "status = 'failed'"),
            (f"?account_id={a['account_id']}&status=completed&limit=1", f"account_id = {account_key_sql(a)} AND status = 'completed'"),
            (f"?batch_id={first['batch_id']}&limit=1", f"batch_id = {batch_key_sql(first)}")]
    for query, where in jobs:
        assert get(stack, admin, "/api/v1/jobs" + query)["total"] == sql_int(stack, f"SELECT count(*) FROM jobs WHERE {where}"), query


@pytest.mark.parametrize("query, field", [
    ("?status=done", "status"), ("?phone=912345678", "phone"), ("?start_date=2026-13-01", "start_date"),
    ("?end_date=yesterday", "end_date"), ("?start_date=2026-12-02&end_date=2026-12-01", "end_date"),
    ("?limit=0", "limit"), ("?skip=-1", "skip"),
])
def test_a_bad_history_filter_is_a_400_naming_it(stack, admin, query, field):
    response = stack.api("GET", "/api/v1/calls/history" + query, admin)
    assert response.status_code == 400, response.text
    assert field in {error["field"] for error in response.json()["errors"]} and response.json()["message"]


def test_one_call_in_full(stack, scenario):
    page = history(stack, scenario["key_a"], "?phone=%2B56912345673")
    call_id = page["calls"][0]["call_id"]
    detail = get(stack, scenario["key_a"], f"/api/v1/calls/{call_id}")
    row = stack.psql(f"SELECT provider_call_id, duration_ms, charged_cost FROM calls WHERE attempt_id = '{call_id}'").split("|")
    assert detail["provider_call_id"] == row[0] and detail["duration_ms"] == int(row[1])
    assert Decimal(str(detail["cost"])) == Decimal(row[2])
    assert "pagaré" in detail["transcript"] and detail["analysis"]["call_summary"] == "Simulated call"
    assert detail["settled_at"] and detail["call_status"] == "ended"
    # The provider's id finds it too.
    assert get(stack, scenario["key_a"], f"/api/v1/calls/{row[0]}")["call_id"] == call_id
    assert stack.api("GET", "/api/v1/calls/att_000000000000000000000000", scenario["key_a"]).status_code == 404


# Tenants ----------------------------------------------------------------------------------------

def test_an_account_key_sees_only_its_own_data_everywhere(stack, scenario):
    a, b, key_b = scenario["a"], scenario["b"], scenario["key_b"]
    own = history(stack, key_b)
    assert own["total"] == 1 and own["calls"][0]["account_id"] == b["account_id"]
    assert get(stack, key_b, "/api/v1/dashboard/stats")["total_jobs"] == 1
    assert get(stack, key_b, "/api/v1/dashboard/overview")["account"]["account_id"] == b["account_id"]
    a_call = history(stack, scenario["key_a"])["calls"][0]
    for path in [
        f"/api/v1/dashboard/stats?account_id={a['account_id']}", f"/api/v1/dashboard/overview?account_id={a['_id']}",
        f"/api/v1/calls/history?account_id={a['account_id']}", f"/api/v1/calls/history?batch_id={scenario['first']['batch_id']}",
        f"/api/v1/calls/history?job_id={a_call['job_id']}", f"/api/v1/calls/{a_call['call_id']}",
        f"/api/v1/batches/{scenario['first']['batch_id']}/report.csv", f"/api/v1/batches/{scenario['first']['_id']}/report.xlsx",
    ]:
        response = stack.api("GET", path, key_b)
        assert response.status_code == 404, (path, response.status_code, response.text)
        assert response.json()["message"]


def test_the_reads_need_a_key(stack, scenario):
    for path in ["/api/v1/dashboard/stats", "/api/v1/dashboard/overview", "/api/v1/calls/history",
                 f"/api/v1/batches/{scenario['first']['batch_id']}/report.csv"]:
        response = stack.api("GET", path)
        assert response.status_code == 401 and response.json()["code"], path


# Jobs carry what the console reads --------------------------------------------------------------

def test_a_job_carries_its_last_call_and_promise(stack, admin, scenario):
    jobs = get(stack, scenario["key_a"], f"/api/v1/jobs?batch_id={scenario['first']['batch_id']}")["jobs"]
    by_name = {job["contact"]["name"]: job for job in jobs}
    promised = by_name[FORMULA_NAME]
    result = promised["call_result"]
    call = stack.psql("SELECT attempt_id, duration_ms, charged_cost, recording_url IS NULL FROM calls "
                      f"WHERE job_id = (SELECT id FROM jobs WHERE job_id = '{promised['job_id']}')").split("|")
    assert result["success"] is True and result["status"] == "ended" and result["call_id"] == call[0]
    summary = result["summary"]
    assert summary["duration_ms"] == int(call[1]) == 20_000 + 20_000
    assert Decimal(str(summary["call_cost"]["combined_cost"])) == Decimal(call[2])
    assert Decimal(str(summary["call_cost"]["total_duration_seconds"])) == 40
    assert summary["call_analysis"]["call_summary"] == "Simulated call"
    assert summary["call_analysis"]["user_sentiment"] == "Neutral"
    assert summary["collected_dynamic_variables"] == {"fecha_pago_cliente": "2026-12-09", "monto_pago_cliente": "30000"}
    assert set(summary) >= {"call_status", "recording_url", "public_log_url", "disconnection_reason"}
    assert promised["fecha_pago_cliente"] == "2026-12-09" and Decimal(str(promised["monto_pago_cliente"])) == 30000
    assert promised["payload"]["additional_info"] == {"cantidad_cupones": 1, "fecha_limite": None, "fecha_maxima": None}
    # The retried job shows its second, answered attempt; the one never answered shows its failure.
    assert by_name["DOS NUMEROS"]["call_result"]["summary"]["disconnection_reason"] == "user_hangup"
    unanswered = by_name["NO CONTESTA"]["call_result"]
    assert unanswered["success"] is False and unanswered["summary"]["disconnection_reason"] == "dial_no_answer"
    assert Decimal(str(unanswered["summary"]["call_cost"]["combined_cost"])) == 0
    # A job never called has none.
    fresh = post_batch(stack, admin, scenario["a"], [contact("SIN LLAMAR", 20_000_007, "+56944444444")])
    job = get(stack, admin, f"/api/v1/batches/{fresh['batch_id']}/jobs")["jobs"][0]
    assert job["call_result"] is None and job["fecha_pago_cliente"] is None
    stack.api("DELETE", f"/api/v1/batches/{fresh['batch_id']}", admin)


def test_a_deleted_batch_keeps_its_jobs_readable(stack, admin, scenario):
    batch = post_batch(stack, admin, scenario["a"], [contact("BORRADA", 20_000_008, "+56955555555")])
    job = get(stack, admin, f"/api/v1/batches/{batch['batch_id']}/jobs")["jobs"][0]
    response = stack.api("DELETE", f"/api/v1/batches/{batch['batch_id']}?delete_jobs=false", admin)
    assert response.status_code == 200, response.text
    assert stack.api("GET", f"/api/v1/batches/{batch['batch_id']}", admin).status_code == 404
    for reference in (job["job_id"], job["_id"]):
        kept = get(stack, admin, f"/api/v1/jobs/{reference}")
        assert kept["status"] == "cancelled" and kept["batch_id"] == batch["batch_id"]
    assert stack.api("GET", f"/api/v1/jobs/{job['job_id']}", scenario["key_b"]).status_code == 404
    # Deleted with its jobs, a job is gone.
    gone = post_batch(stack, admin, scenario["a"], [contact("BORRADA DEL TODO", 20_000_009, "+56955555556")])
    gone_job = get(stack, admin, f"/api/v1/batches/{gone['batch_id']}/jobs")["jobs"][0]
    assert stack.api("DELETE", f"/api/v1/batches/{gone['batch_id']}?delete_jobs=true", admin).status_code == 200
    assert stack.api("GET", f"/api/v1/jobs/{gone_job['job_id']}", admin).status_code == 404


# The batch reports ------------------------------------------------------------------------------

HEADERS = ["Job ID", "Nombre", "RUT/DNI", "Teléfonos", "Monto deuda", "Fecha vencimiento", "Fecha límite",
           "Fecha máxima", "Estado", "Intentos", "Intentos máximos", "Último resultado", "Motivo de desconexión",
           "Duración (s)", "Costo", "Fecha de pago prometida", "Monto prometido", "Grabación", "Última llamada (UTC)"]


def test_the_csv_report_round_trips_and_agrees_with_sql(stack, scenario):
    first = scenario["first"]
    response = stack.api("GET", f"/api/v1/batches/{first['batch_id']}/report.csv", scenario["key_a"])
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    assert f'filename="{first["batch_id"]}.csv"' in response.headers["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    blank = rows.index([])
    summary = dict(rows[:blank])
    assert summary["Batch ID"] == first["batch_id"] and summary["Total de jobs"] == "4"
    assert summary["Llamadas"] == "5" and summary["Llamadas contestadas"] == "3"
    assert summary["Promesas de pago"] == "1" and Decimal(summary["Monto prometido"]) == 30000
    assert rows[blank + 1] == HEADERS
    lines = rows[blank + 2:]
    assert len(lines) == sql_int(stack, f"SELECT count(*) FROM jobs WHERE batch_id = {batch_key_sql(first)}") == 4
    by_job = {line[0]: dict(zip(HEADERS, line)) for line in lines}
    total = sum(Decimal(line["Costo"]) for line in by_job.values())
    assert total == Decimal(stack.psql(f"SELECT total_cost FROM batches WHERE batch_id = '{first['batch_id']}'"))
    assert total == Decimal(summary["Costo total"])
    # A name a spreadsheet would run as a formula comes back as text.
    names = {line["Nombre"] for line in by_job.values()}
    assert "'" + FORMULA_NAME in names and FORMULA_NAME not in names
    promised = next(line for line in by_job.values() if line["Nombre"] == "'" + FORMULA_NAME)
    assert promised["Fecha de pago prometida"] == "2026-12-09" and Decimal(promised["Monto prometido"]) == 30000
    assert promised["Teléfonos"].startswith("'+569")  # a leading + is guarded too
    two = next(line for line in by_job.values() if line["Nombre"] == "DOS NUMEROS")
    assert two["Intentos"] == "2" and two["Último resultado"] == "user_hangup" and Decimal(two["Duración (s)"]) == 91


def test_the_xlsx_report_opens_with_typed_cells(stack, scenario):
    first = scenario["first"]
    response = stack.api("GET", f"/api/v1/batches/{first['_id']}/report.xlsx", scenario["key_a"])
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Resumen", "Jobs"]
    summary = {row[0]: row[1] for row in book["Resumen"].iter_rows(min_row=2, values_only=True)}
    assert summary["Batch ID"] == first["batch_id"] and summary["Total de jobs"] == 4
    assert isinstance(summary["Costo total"], float) and hasattr(summary["Creada (UTC)"], "year")
    sheet = book["Jobs"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.max_row - 1 == 4
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:S5"
    lines = [dict(zip(HEADERS, row)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    formula_row = cells[FORMULA_NAME]
    assert formula_row[1].data_type == "s"  # text, never a formula
    promised = next(line for line in lines if line["Nombre"] == FORMULA_NAME)
    assert promised["Fecha de pago prometida"].date().isoformat() == "2026-12-09"
    assert promised["Monto prometido"] == 30000 and isinstance(promised["Intentos"], int)
    assert isinstance(promised["Costo"], float) and promised["Última llamada (UTC)"].year == 2026
    total = sum(Decimal(str(line["Costo"])) for line in lines)
    assert total == Decimal(stack.psql(f"SELECT total_cost FROM batches WHERE batch_id = '{first['batch_id']}'"))


def test_a_report_of_an_unknown_batch_is_a_json_404(stack, admin):
    for suffix in ("csv", "xlsx"):
        response = stack.api("GET", f"/api/v1/batches/batch-2020-01-01-000000-000000/report.{suffix}", admin)
        assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


# Metrics ----------------------------------------------------------------------------------------

def metric(text, name, **labels):
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    assert match, (name, labels)
    return float(match.group(1))


def test_metrics_count_requests_calls_and_dispatcher_passes(stack, admin, scenario):
    before = stack.get("/internal/metrics")
    assert before.status_code == 200 and before.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    route = dict(route="/api/v1/dashboard/stats", method="GET", status="200")
    count = metric(before.text, "speechai_http_requests_total", **route) if 'route="/api/v1/dashboard/stats"' in before.text else 0
    for _ in range(3):
        get(stack, admin, "/api/v1/dashboard/stats")
    after = stack.get("/internal/metrics").text
    assert metric(after, "speechai_http_requests_total", **route) == count + 3
    assert metric(after, "speechai_http_request_duration_seconds_count", **route) == count + 3
    assert metric(after, "speechai_http_request_duration_seconds_bucket", **route, le="+Inf") == count + 3
    assert "# TYPE speechai_http_request_duration_seconds histogram" in after
    for outcome in ("answered", "no_answer", "bad_number"):
        assert metric(after, "speechai_calls_settled_total", outcome=outcome) == sql_int(
            stack, f"SELECT count(*) FROM calls WHERE settled_at IS NOT NULL AND outcome = '{outcome}'")
    assert metric(after, "speechai_dispatcher_events_total", event="passes") >= 3
    assert metric(after, "speechai_dispatcher_events_total", event="claimed") >= 7
    assert metric(after, "speechai_pool_workers", state="busy") >= 1  # the worker serving this
    assert metric(after, "speechai_calls_open") == sql_int(stack, "SELECT count(*) FROM calls WHERE settled_at IS NULL")
    assert metric(after, "speechai_holds_pending") == sql_int(
        stack, "SELECT count(*) FROM credit_holds WHERE status = 'pending'")


def test_hourly_stats_are_local_hours_in_a_quarter_hour_zone(stack, admin):
    """Kathmandu is UTC+5:45: a call placed at 09:50Z is at 15:35 there, hour 15. The summary counts calls
    per UTC quarter hour before turning the groups into local hours; whole UTC hours would say 14."""
    stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    account = new_account(stack, admin, initial_credits=100.0, country="CL", timezone="Asia/Kathmandu")
    _, batch = campaign(stack, admin, ["+56912345670"], account=account, first_rut=40_000_000)
    dispatch(stack, now="2026-12-02T09:50:00Z")
    summary = get(stack, admin, f"/api/v1/batches/{batch['batch_id']}/summary")
    assert summary["hourly_stats"] == [{"date": "2026-12-02", "hour": 15, "total_calls": 1, "successful_calls": 1,
                                        "success_rate": 100}]
