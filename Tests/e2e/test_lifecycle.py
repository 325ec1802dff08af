"""Batch and job lifecycle through nginx: every endpoint, every transition the state tables allow
(in both directions) and a 409 for the ones they forbid, filters, pagination, tenant isolation and
counters that always equal a direct count. The whole module runs twice: with the seed's list
format and with SPEECHAI_LIST_FORMAT=array (bare arrays and X-Total-Count).

Jobs reach in_progress, completed, failed, scheduled or suspended only through the dispatcher; until
it exists, those states are set with SQL, as the dispatcher will."""
import uuid
from pathlib import Path

import pytest

from test_accounts import new_account

REPORT = (Path(__file__).resolve().parents[2] / "sql" / "reports" / "batch_counters.sql").read_text()


@pytest.fixture(scope="module", params=["seed", "array"])
def list_format(request, stack):
    if request.param == "array":
        stack.start_pool(SPEECHAI_LIST_FORMAT="array")
    else:
        stack.start_pool()
    yield request.param
    stack.start_pool()


def listing(list_format, response, plural):
    """(items, total) of a list response in either format, checking the format's shape."""
    assert response.status_code == 200, response.text
    body = response.json()
    if list_format == "array":
        assert isinstance(body, list), body
        return body, int(response.headers["X-Total-Count"])
    assert set(body) == {plural, "total", "limit", "skip"}, body.keys()
    return body[plural], body["total"]


def counters_consistent(stack):
    """The batch counters report (sql/reports/batch_counters.sql) holds for every batch."""
    rows = stack.psql(f"SELECT count(*) FILTER (WHERE NOT consistent) || '/' || count(*) FROM ({REPORT.rstrip().rstrip(';')}) r")
    failing, total = rows.split("/")
    assert failing == "0" and int(total) > 0, rows


def rut(body):
    """A valid RUT for `body` (mod 11)."""
    total, factor = 0, 2
    for digit in reversed(str(body)):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    check = 11 - total % 11
    return f"{body}-{'0' if check == 11 else 'K' if check == 10 else check}"


def make_batch(stack, key, account_id, contacts=5, name=None, **fields):
    start = 10_000_000 + uuid.uuid4().int % 80_000_000
    response = stack.api("POST", "/api/v1/batches", key, json={
        "account_id": account_id, "name": name or "Lote " + uuid.uuid4().hex[:6], **fields,
        "contacts": [{"name": f"Persona {n}", "rut": rut(start + n), "phone": f"9{(start + n) % 100_000_000:08d}"}
                     for n in range(contacts)]} if contacts else {"account_id": account_id, "name": name or "Vacío", **fields})
    assert response.status_code == 201, response.text
    return response.json()["batch"]


def job_ids(stack, key, batch, list_format):
    items, _ = listing(list_format, stack.api("GET", f"/api/v1/batches/{batch['batch_id']}/jobs?limit=1000", key), "jobs")
    return [job["job_id"] for job in items]


def set_status(stack, job_id, status):
    """What the dispatcher will do: move a job to `status` in the database."""
    stack.psql(f"UPDATE jobs SET status = '{status}' WHERE job_id = '{job_id}'")


def batch(stack, key, reference):
    response = stack.api("GET", f"/api/v1/batches/{reference}", key)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def account(stack, admin, list_format):
    return new_account(stack, admin, initial_credits=1000)


# Lists ---------------------------------------------------------------------------------------

def test_batch_list_filters_order_and_pagination(stack, admin, account, list_format):
    first = make_batch(stack, admin, account["account_id"], contacts=1)
    second = make_batch(stack, admin, account["account_id"], contacts=1)
    third = make_batch(stack, admin, account["account_id"], contacts=1)
    stack.api("PUT", f"/api/v1/batches/{second['batch_id']}/pause", admin)
    stack.api("POST", f"/api/v1/batches/{third['_id']}/cancel", admin)
    base = f"/api/v1/batches?account_id={account['account_id']}"
    items, total = listing(list_format, stack.api("GET", base, admin), "batches")
    assert [b["batch_id"] for b in items] == [third["batch_id"], second["batch_id"], first["batch_id"]] and total == 3
    for query, expected in [("status=paused", [second]), ("status=cancelled", [third]), ("status=active", [first]),
                            ("is_active=true", [first]), ("is_active=false", [third, second]),
                            ("status=RUNNING", [first]), ("status=PAUSED", [second]), ("status=ERROR", [])]:
        items, total = listing(list_format, stack.api("GET", f"{base}&{query}", admin), "batches")
        assert [b["batch_id"] for b in items] == [b["batch_id"] for b in expected], query
        assert total == len(expected), query
    page, total = listing(list_format, stack.api("GET", f"{base}&limit=2&skip=2", admin), "batches")
    assert [b["batch_id"] for b in page] == [first["batch_id"]] and total == 3
    for bad in ["status=nope", "is_active=yes", "limit=0", "limit=1001", "skip=-1"]:
        assert stack.api("GET", f"{base}&{bad}", admin).status_code == 400, bad


def test_jobs_list_filters_and_pagination(stack, admin, account, list_format):
    one = make_batch(stack, admin, account["account_id"], contacts=4)
    two = make_batch(stack, admin, account["account_id"], contacts=2)
    ids = job_ids(stack, admin, one, list_format)
    set_status(stack, ids[0], "completed")
    set_status(stack, ids[1], "failed")
    base = f"/api/v1/jobs?account_id={account['account_id']}"
    items, total = listing(list_format, stack.api("GET", base, admin), "jobs")
    assert total == 6 and len(items) == 6
    assert [job["batch_id"] for job in items[:2]] == [two["batch_id"]] * 2  # newest first
    for query, count in [(f"batch_id={one['batch_id']}", 4), (f"batch_id={one['_id']}", 4), ("status=done", 1),
                         ("status=completed", 1), ("status=failed", 1), ("status=pending", 4),
                         (f"batch_id={one['batch_id']}&status=pending", 2), ("created_from=2000-01-01", 6),
                         ("created_to=2000-01-01", 0), ("created_from=2999-01-01T00:00:00Z", 0)]:
        assert listing(list_format, stack.api("GET", f"{base}&{query}", admin), "jobs")[1] == count, query
    page, total = listing(list_format, stack.api("GET", f"{base}&limit=4&skip=4", admin), "jobs")
    assert len(page) == 2 and total == 6
    for job in items:
        assert isinstance(job["contact"]["name"], str) and isinstance(job["contact"]["phones"], list)
        assert job["_id"] and job["job_id"] == "job-" + job["_id"]
    for bad in ["status=nope", "created_from=yesterday", "limit=abc"]:
        assert stack.api("GET", f"{base}&{bad}", admin).status_code == 400, bad
    assert stack.api("GET", "/api/v1/jobs?batch_id=batch-2000-01-01-000000-000000", admin).status_code == 404


def test_the_legacy_array_default_limit_is_1000(stack, admin, account, list_format):
    created = make_batch(stack, admin, account["account_id"], contacts=60)
    items, total = listing(list_format, stack.api("GET", f"/api/v1/batches/{created['batch_id']}/jobs", admin), "jobs")
    assert total == 60
    assert len(items) == (60 if list_format == "array" else 50)


# One batch: reads ----------------------------------------------------------------------------

def test_summary_and_status_by_either_id(stack, admin, account, list_format):
    created = make_batch(stack, admin, account["account_id"], contacts=4)
    ids = job_ids(stack, admin, created, list_format)
    set_status(stack, ids[0], "completed")
    for reference in (created["batch_id"], created["_id"]):
        summary = stack.api("GET", f"/api/v1/batches/{reference}/summary", admin).json()
        assert summary["batch_id"] == created["batch_id"] and summary["status"] == "active"
        assert summary["total_jobs"] == 4 and summary["completed_jobs"] == 1 and summary["pending_jobs"] == 3
        assert summary["completion_rate"] == 25 and summary["hourly_stats"] == []
        status = stack.api("GET", f"/api/v1/batches/{reference}/status", admin).json()
        assert status["progress_percentage"] == 25 and status["is_active"] is True
    assert stack.api("GET", "/api/v1/batches/batch-2000-01-01-000000-000000/summary", admin).status_code == 404
    assert stack.api("GET", "/api/v1/batches/ffffffffffffffffffffffff/status", admin).status_code == 404


# Pause, resume, PATCH ------------------------------------------------------------------------

def test_pause_and_resume_both_ways_by_every_route(stack, admin, account, list_format):
    created = make_batch(stack, admin, account["account_id"])
    steps = [("PATCH", "", {"is_active": False}, "paused"), ("PUT", "/resume", None, "active"),
             ("PUT", "/pause", None, "paused"), ("PUT", "/pause", None, "paused"),
             ("PATCH", "", {"is_active": True}, "active"), ("PUT", "/resume", None, "active")]
    before = batch(stack, admin, created["batch_id"])["updated_at"]
    for index, (method, suffix, body, expected) in enumerate(steps):
        reference = created["_id"] if index % 2 else created["batch_id"]
        response = stack.api(method, f"/api/v1/batches/{reference}{suffix}", admin, json=body)
        assert response.status_code == 200, response.text
        assert response.json()["batch"]["status"] == expected
        assert response.json()["batch"]["is_active"] is (expected == "active")
    after = batch(stack, admin, created["batch_id"])
    assert after["updated_at"] > before
    events = stack.psql(
        f"SELECT string_agg(type, ',' ORDER BY id) FROM events WHERE details->>'batch_id' = '{created['batch_id']}'")
    assert events == "batch_paused,batch_resumed,batch_paused,batch_resumed"
    counters_consistent(stack)


def test_patch_fields_and_call_settings_replace_and_clear(stack, admin, account, list_format):
    created = make_batch(stack, admin, account["account_id"], contacts=1)
    url = f"/api/v1/batches/{created['_id']}"
    response = stack.api("PATCH", url, admin, json={
        "name": "Renombrado", "description": "nueva", "priority": 3,
        "call_settings": {"max_attempts": 5, "days_of_week": [0, 6], "allowed_hours": {"start": "22:00", "end": "06:00"}}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["updated_fields"]) == {"name", "description", "priority", "call_settings", "updated_at"}
    updated = body["batch"]
    assert (updated["name"], updated["description"], updated["priority"]) == ("Renombrado", "nueva", 3)
    assert updated["call_settings"]["days_of_week"] == [6, 7]
    assert updated["call_settings"]["max_attempts"] == 5
    assert updated["call_settings"]["timezone"] == account["timezone"]
    # A full replacement, not a merge.
    replaced = stack.api("PATCH", url, admin, json={"call_settings": {"ring_timeout": 45}}).json()["batch"]
    assert replaced["call_settings"]["max_attempts"] == 3 and replaced["call_settings"]["ring_timeout"] == 45
    cleared = stack.api("PATCH", url, admin, json={"call_settings": None})
    assert cleared.status_code == 200 and cleared.json()["batch"]["call_settings"] is None
    for bad in [{}, {"priority": 5}, {"name": ""}, {"colour": "red"}, {"is_active": "yes"},
                {"call_settings": {"max_attempts": 0}}, {"call_settings": {"timezone": "Mars/Base"}},
                {"call_settings": "x"}]:
        response = stack.api("PATCH", url, admin, json=bad)
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["message"]
    assert batch(stack, admin, created["batch_id"])["name"] == "Renombrado"


# Cancel, complete, delete --------------------------------------------------------------------

def test_cancel_finishes_what_is_unfinished_and_is_irreversible(stack, admin, account, list_format):
    created = make_batch(stack, admin, account["account_id"], contacts=6)
    ids = job_ids(stack, admin, created, list_format)
    for job_id, status in zip(ids, ["in_progress", "completed", "failed", "scheduled", "suspended"]):
        set_status(stack, job_id, status)
    response = stack.api("POST", f"/api/v1/batches/{created['_id']}/cancel?reason=Cliente pagó", admin)
    assert response.status_code == 200, response.text
    assert response.json()["jobs_cancelled"] == 3  # scheduled, suspended, pending
    cancelled = response.json()["batch"]
    assert cancelled["status"] == "cancelled" and cancelled["cancellation_reason"] == "Cliente pagó"
    assert cancelled["cancelled_at"] and cancelled["is_active"] is False
    statuses = {job["job_id"]: job for job in listing(
        list_format, stack.api("GET", f"/api/v1/jobs?batch_id={created['batch_id']}", admin), "jobs")[0]}
    assert statuses[ids[0]]["status"] == "in_progress"  # the call in flight finishes
    assert statuses[ids[1]]["status"] == "completed" and statuses[ids[2]]["status"] == "failed"
    for job_id in ids[3:]:
        assert statuses[job_id]["status"] == "cancelled" and statuses[job_id]["cancellation_reason"] == "Cliente pagó"
    for method, suffix, body in [("PUT", "/resume", None), ("PUT", "/pause", None), ("POST", "/cancel", None),
                                 ("PATCH", "", {"is_active": True})]:
        refused = stack.api(method, f"/api/v1/batches/{created['batch_id']}{suffix}", admin, json=body)
        assert refused.status_code == 409 and refused.json()["code"] == "BATCH_CANCELLED", (method, suffix)
    retry = stack.api("PUT", f"/api/v1/jobs/{ids[2]}/retry", admin)
    assert retry.status_code == 409 and retry.json()["code"] == "BATCH_CANCELLED"
    # A paused batch can be cancelled too.
    paused = make_batch(stack, admin, account["account_id"], contacts=2)
    stack.api("PUT", f"/api/v1/batches/{paused['batch_id']}/pause", admin)
    response = stack.api("POST", f"/api/v1/batches/{paused['batch_id']}/cancel", admin)
    assert response.status_code == 200 and response.json()["jobs_cancelled"] == 2
    assert response.json()["batch"]["cancellation_reason"] == "Batch cancelled"
    counters_consistent(stack)


def test_a_batch_completes_when_its_jobs_finish_and_reopens_on_retry(stack, admin, account, list_format):
    created = make_batch(stack, admin, account["account_id"], contacts=3)
    ids = job_ids(stack, admin, created, list_format)
    set_status(stack, ids[0], "completed")
    set_status(stack, ids[1], "completed")
    assert batch(stack, admin, created["batch_id"])["status"] == "active"
    set_status(stack, ids[2], "failed")
    done = batch(stack, admin, created["batch_id"])
    assert done["status"] == "completed" and done["completed_at"] and done["is_active"] is False
    for method, suffix, code in [("PUT", "/resume", "BATCH_COMPLETED"), ("PUT", "/pause", "BATCH_COMPLETED"),
                                 ("POST", "/cancel", "BATCH_COMPLETED")]:
        refused = stack.api(method, f"/api/v1/batches/{created['_id']}{suffix}", admin)
        assert refused.status_code == 409 and refused.json()["code"] == code
    retried = stack.api("PUT", f"/api/v1/jobs/{ids[2]}/retry", admin)
    assert retried.status_code == 200, retried.text
    job = retried.json()["job"]
    assert job["status"] == "pending" and job["attempts"] == 0 and job["contact"]["next_phone_index"] == 0
    reopened = batch(stack, admin, created["batch_id"])
    assert reopened["status"] == "active" and reopened["completed_at"] is None and reopened["pending_jobs"] == 1
    # A paused batch whose last job finishes is completed as well.
    stack.api("PUT", f"/api/v1/batches/{created['batch_id']}/pause", admin)
    set_status(stack, ids[2], "completed")
    assert batch(stack, admin, created["batch_id"])["status"] == "completed"
    counters_consistent(stack)


def test_delete_hides_the_batch_and_cancels_or_deletes_its_jobs(stack, admin, account, list_format):
    keep = make_batch(stack, admin, account["account_id"], contacts=3)
    ids = job_ids(stack, admin, keep, list_format)
    set_status(stack, ids[0], "completed")
    response = stack.api("DELETE", f"/api/v1/batches/{keep['_id']}?delete_jobs=false", admin)
    assert response.status_code == 200 and response.json()["jobs_cancelled"] == 2
    assert stack.api("GET", f"/api/v1/batches/{keep['batch_id']}", admin).status_code == 404
    assert stack.api("DELETE", f"/api/v1/batches/{keep['batch_id']}", admin).status_code == 404
    assert stack.psql(f"SELECT string_agg(j.status, ',' ORDER BY j.status) FROM jobs j JOIN batches b ON b.id = j.batch_id "
                      f"WHERE b.batch_id = '{keep['batch_id']}'") == "cancelled,cancelled,completed"
    remaining, _ = listing(list_format, stack.api("GET", f"/api/v1/batches?account_id={account['account_id']}", admin),
                           "batches")
    assert keep["batch_id"] not in [b["batch_id"] for b in remaining]

    purge = make_batch(stack, admin, account["account_id"], contacts=3)
    purge_ids = job_ids(stack, admin, purge, list_format)
    set_status(stack, purge_ids[0], "in_progress")
    refused = stack.api("DELETE", f"/api/v1/batches/{purge['batch_id']}?delete_jobs=true", admin)
    assert refused.status_code == 409 and refused.json()["code"] == "CALLS_IN_PROGRESS"
    set_status(stack, purge_ids[0], "completed")
    assert stack.api("DELETE", f"/api/v1/batches/{purge['batch_id']}?delete_jobs=maybe", admin).status_code == 400
    deleted = stack.api("DELETE", f"/api/v1/batches/{purge['batch_id']}?delete_jobs=true", admin)
    assert deleted.status_code == 200 and deleted.json()["jobs_deleted"] == 3
    assert stack.psql(f"SELECT count(*) FROM jobs j JOIN batches b ON b.id = j.batch_id "
                      f"WHERE b.batch_id = '{purge['batch_id']}'") == "0"
    assert stack.api("GET", f"/api/v1/jobs/{purge_ids[1]}", admin).status_code == 404
    # The account's money is untouched.
    assert stack.api("GET", f"/api/v1/accounts/{account['account_id']}", admin).json()["credit_balance"] == 1000
    counters_consistent(stack)


# Jobs ----------------------------------------------------------------------------------------

def test_job_transitions_both_ways_and_refusals(stack, admin, account, list_format):
    created = make_batch(stack, admin, account["account_id"], contacts=6)
    ids = job_ids(stack, admin, created, list_format)
    job = stack.api("GET", f"/api/v1/jobs/{ids[0]}", admin).json()
    assert stack.api("GET", f"/api/v1/jobs/{job['_id']}", admin).json() == job
    for field in ["_id", "job_id", "batch_id", "account_id", "status", "contact", "payload", "attempts", "max_attempts",
                  "estimated_cost", "created_at", "to_number", "next_attempt_at", "call_result"]:
        assert field in job, field
    # pending -> cancelled (PUT cancel) -> pending (retry) -> cancelled (DELETE) -> 409 on a second cancel.
    cancelled = stack.api("PUT", f"/api/v1/jobs/{job['_id']}/cancel?reason=pidió no llamar", admin)
    assert cancelled.status_code == 200 and cancelled.json()["job"]["status"] == "cancelled"
    assert cancelled.json()["job"]["cancellation_reason"] == "pidió no llamar"
    assert stack.api("PUT", f"/api/v1/jobs/{job['job_id']}/retry", admin).json()["job"]["status"] == "pending"
    assert stack.api("DELETE", f"/api/v1/jobs/{job['job_id']}", admin).json()["job"]["status"] == "cancelled"
    again = stack.api("PUT", f"/api/v1/jobs/{job['job_id']}/cancel", admin)
    assert again.status_code == 409 and again.json()["code"] == "JOB_STATE_CONFLICT"
    # scheduled and suspended can be cancelled; in_progress, completed, failed cannot.
    for job_id, status, allowed in [(ids[1], "scheduled", True), (ids[2], "suspended", True),
                                    (ids[3], "in_progress", False), (ids[4], "completed", False), (ids[5], "failed", False)]:
        set_status(stack, job_id, status)
        response = stack.api("PUT", f"/api/v1/jobs/{job_id}/cancel", admin)
        assert response.status_code == (200 if allowed else 409), (status, response.text)
        assert stack.api("DELETE", f"/api/v1/jobs/{job_id}", admin).status_code == 409  # cancelled or never cancellable
    # Retry: failed -> pending; completed and in_progress refused.
    assert stack.api("PUT", f"/api/v1/jobs/{ids[5]}/retry", admin).json()["job"]["status"] == "pending"
    for job_id in (ids[3], ids[4]):
        refused = stack.api("PUT", f"/api/v1/jobs/{job_id}/retry", admin)
        assert refused.status_code == 409 and "failed or cancelled" in refused.json()["message"]
    assert stack.api("GET", "/api/v1/jobs/job-ffffffffffffffffffffffff", admin).status_code == 404
    assert stack.api("PUT", "/api/v1/jobs/nope/retry", admin).status_code == 404
    counters_consistent(stack)


# Tenants -------------------------------------------------------------------------------------

def test_an_account_key_never_sees_or_changes_another_accounts_batches_or_jobs(stack, admin, account, list_format):
    mine = new_account(stack, admin, initial_credits=10)
    key = stack.create_key(mine["account_id"])
    theirs = make_batch(stack, admin, account["account_id"], contacts=2)
    own = make_batch(stack, key, mine["account_id"], contacts=1)
    their_job = job_ids(stack, admin, theirs, list_format)[0]
    for reference in (theirs["batch_id"], theirs["_id"]):
        for method, suffix, body in [("GET", "", None), ("GET", "/summary", None), ("GET", "/status", None),
                                     ("GET", "/jobs", None), ("PATCH", "", {"name": "x"}), ("PUT", "/pause", None),
                                     ("PUT", "/resume", None), ("POST", "/cancel", None), ("DELETE", "", None)]:
            response = stack.api(method, f"/api/v1/batches/{reference}{suffix}", key, json=body)
            assert response.status_code == 404, (method, suffix, response.text)
    for method, suffix in [("GET", ""), ("PUT", "/retry"), ("PUT", "/cancel"), ("DELETE", "")]:
        assert stack.api(method, f"/api/v1/jobs/{their_job}{suffix}", key).status_code == 404, (method, suffix)
    batches, total = listing(list_format, stack.api("GET", "/api/v1/batches", key), "batches")
    assert [b["batch_id"] for b in batches] == [own["batch_id"]] and total == 1
    jobs, total = listing(list_format, stack.api("GET", "/api/v1/jobs", key), "jobs")
    assert total == 1 and jobs[0]["batch_id"] == own["batch_id"]
    assert stack.api("GET", f"/api/v1/jobs?batch_id={theirs['batch_id']}", key).status_code == 404
    assert stack.api("GET", f"/api/v1/jobs?account_id={account['account_id']}", key).status_code == 404
    # Their batch is as it was.
    assert batch(stack, admin, theirs["batch_id"])["status"] == "active"
    # The key manages its own batch.
    assert stack.api("PUT", f"/api/v1/batches/{own['batch_id']}/pause", key).status_code == 200


def test_other_account_list_endpoints_follow_the_format(stack, admin, account, list_format):
    make_batch(stack, admin, account["account_id"], contacts=1)
    for path, plural in [(f"/api/v1/accounts/{account['account_id']}/batches", "batches"), ("/api/v1/accounts", "accounts"),
                         (f"/api/v1/accounts/{account['account_id']}/transactions", "transactions")]:
        items, total = listing(list_format, stack.api("GET", path, admin), plural)
        assert total >= len(items) >= 1, path
