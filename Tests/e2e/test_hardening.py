"""Regression tests for the hardening issue: what an outside probe found, each through nginx to the
real pool. Growth is measured as ratios between input sizes (never wall-clock limits)."""
import json
import socket
import statistics
import time
import uuid
from pathlib import Path

import pytest

from conftest import wait_until
from hostile_inputs import shared_strings_bomb, single_rut_csv, wide_object
from test_accounts import new_account
from test_ingestion import upload


def timed(call, repeat=3):
    """The median of `repeat` runs of `call`, in seconds, and the last response."""
    times = []
    response = None
    for _ in range(repeat):
        start = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), response


def raw_request(stack, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Sends bytes as they are (requests would refuse or fix them) and returns status and body."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as connection:
        connection.sendall(head + body)
        received = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    status = int(received.split(b" ", 2)[1])
    return status, received.split(b"\r\n\r\n", 1)[1]


# 1. Wide JSON bodies, and authentication before the body ----------------------------------------

def test_a_body_is_not_parsed_before_the_key_is_checked(stack):
    # Invalid JSON and a missing key: the 401 comes first, so the body was never parsed.
    for path in ["/api/v1/accounts", "/api/v1/batches", "/api/v1/accounts/acc-x/topup"]:
        response = stack.api("POST", path, data=b"{not json", headers={"Content-Type": "application/json"})
        assert response.status_code == 401, (path, response.text)
    response = stack.api("POST", "/api/v1/accounts", key="sk_" + "x" * 43, data=wide_object(80_000),
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_an_account_key_gets_its_403_on_admin_routes_before_the_body_is_parsed(stack, admin):
    account = new_account(stack, admin)
    key = stack.create_key(account["account_id"])
    response = stack.api("POST", f"/api/v1/accounts/{account['account_id']}/topup", key, data=b"{not json",
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 403 and response.json()["code"] == "ADMIN_ONLY"


def test_wide_bodies_are_answered_in_linear_time_with_a_short_error(stack, admin):
    def post(keys):
        body = wide_object(keys)
        return lambda: stack.api("POST", "/api/v1/accounts", admin, data=body,
                                 headers={"Content-Type": "application/json"}, timeout=60)
    small, _ = timed(post(10_000))
    large, response = timed(post(40_000))
    assert response.status_code == 400
    error = response.json()
    assert len(error["errors"]) <= 20 and error["errors_total"] >= 40_000
    assert len(response.content) < 8_000
    # Four times the keys: linear is ~4x, the quadratic parser was ~14x.
    assert large / small < 8, (small, large)


def test_an_80000_key_body_with_a_duplicate_key_is_refused(stack, admin):
    body = wide_object(80_000)[:-1] + ',"k7":1}'
    response = stack.api("POST", "/api/v1/accounts", admin, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "INVALID_JSON"
    assert "duplicate key" in response.json()["message"]


@pytest.mark.parametrize("header", ["bearer {key}", "BEARER {key}", "Bearer   {key}"])
def test_the_bearer_scheme_is_case_insensitive(stack, admin, header):
    response = stack.get("/api/v1/accounts", headers={"Authorization": header.format(key=admin)})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("header", ["Bearer {key} junk", "Bearer {key},x", "Basic {key}", "Bearer", "{key}"])
def test_credentials_must_be_exactly_one_bearer_token(stack, admin, header):
    response = stack.get("/api/v1/accounts", headers={"Authorization": header.format(key=admin)})
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED"


# 3. NUL, code points and what the pool logs -----------------------------------------------------

def batch_for(stack, admin):
    account = new_account(stack, admin)
    response = stack.api("POST", "/api/v1/batches", admin, json={"account_id": account["account_id"], "name": "B"})
    assert response.status_code == 201, response.text
    return account, response.json()["batch_id"]


@pytest.mark.parametrize("body", [
    '{"call_settings":{"timezone":"America/Santiago\\u0000"}}',
    '{"call_settings":{"allowed_hours":{"start":"09:00","end":"20:00"},"x\\u0000":1}}',
    '{"name":"a\\u0000b"}',
])
def test_a_nul_anywhere_in_a_batch_patch_is_a_400(stack, admin, body):
    _, batch_id = batch_for(stack, admin)
    response = stack.api("PATCH", f"/api/v1/batches/{batch_id}", admin, data=body,
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "INVALID_JSON", response.text


@pytest.mark.parametrize("extra", ['"settings":{"k":"\\u0000"}', '"features":{"\\u0000":1}',
                                   '"settings":{"list":["a","\\u0000"]}'])
def test_a_nul_nested_in_an_account_body_is_a_400_and_nothing_is_written(stack, admin, extra):
    name = "Nul " + uuid.uuid4().hex[:8]
    body = '{"account_name":"%s","contact_name":"J","contact_email":"j@e.cl",%s}' % (name, extra)
    response = stack.api("POST", "/api/v1/accounts", admin, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert stack.psql(f"SELECT count(*) FROM accounts WHERE account_name = '{name}'") == "0"


def test_a_nul_in_upload_call_settings_is_a_400(stack, admin):
    account = new_account(stack, admin)
    response = upload(stack, admin, "chile.csv", {
        "account_id": account["account_id"],
        "call_settings_json": '{"timezone":"America/Santiago\\u0000"}'})
    assert response.status_code == 400, response.text


def test_an_unknown_timezone_is_a_400(stack, admin):
    _, batch_id = batch_for(stack, admin)
    response = stack.api("PATCH", f"/api/v1/batches/{batch_id}", admin,
                         json={"call_settings": {"timezone": "America/Atlantis"}})
    assert response.status_code == 400 and "IANA" in response.text


FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"  # one grapheme, 7 code points
ACCENT = "e\u0301"  # one grapheme, 2 code points


@pytest.mark.parametrize("field,value", [("name", FAMILY * 200), ("description", ACCENT * 2000)],
                         ids=["200-family-emoji-name", "2000-combining-accent-description"])
def test_batch_text_limits_count_code_points(stack, admin, field, value):
    _, batch_id = batch_for(stack, admin)
    response = stack.api("PATCH", f"/api/v1/batches/{batch_id}", admin, json={field: value})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field, response.text
    # At the limit in code points it is accepted.
    limit = 200 if field == "name" else 2000
    response = stack.api("PATCH", f"/api/v1/batches/{batch_id}", admin, json={field: "e" * (limit - 1) + "\u00e9"})
    assert response.status_code == 200, response.text


def test_account_name_counts_code_points(stack, admin):
    response = stack.api("POST", "/api/v1/accounts", admin, json={
        "account_name": FAMILY * 200, "contact_name": "J", "contact_email": "j@e.cl"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "account_name"


def test_upload_batch_name_counts_code_points(stack, admin):
    account = new_account(stack, admin)
    response = upload(stack, admin, "chile.csv", {"account_id": account["account_id"], "batch_name": FAMILY * 200})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "batch_name", response.text


def test_reasons_count_code_points(stack, admin):
    account, batch_id = batch_for(stack, admin)
    reason = ACCENT * 300  # 600 code points
    response = stack.api("PUT", f"/api/v1/accounts/{account['account_id']}/suspend", admin, params={"reason": reason})
    assert response.status_code == 400, response.text
    response = stack.api("POST", f"/api/v1/batches/{batch_id}/cancel", admin, params={"reason": reason})
    assert response.status_code == 400, response.text
    assert stack.api("GET", f"/api/v1/batches/{batch_id}", admin).json()["status"] == "active"


# 4. and 5. Top-ups: no zero-value rows, idempotency keys that are text -------------------------

@pytest.mark.parametrize("body", [{"credits": None}, {"minutes": None}, {}, {"credits": 0}, {"credits": -1},
                                  {"credits": None, "minutes": 5}])
def test_a_topup_without_a_positive_amount_is_a_400_and_writes_nothing(stack, admin, body):
    for plan in ["credit_based", "minutes_based"]:
        account = new_account(stack, admin, plan_type=plan, initial_credits=0)
        path = f"/api/v1/accounts/{account['account_id']}/topup"
        response = stack.api("POST", path, admin, json=body)
        assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR", response.text
        assert response.json()["errors"][0]["field"] in ("credits", "minutes")
        assert stack.api("GET", f"/api/v1/accounts/{account['account_id']}/transactions", admin).json()["total"] == 0


@pytest.mark.parametrize("key", [b"ab\xff\xfecd", b"ab\xfe\xffcd", b"ab\x80\x80cd", b"a b", b"x" * 256])
def test_idempotency_keys_must_be_visible_ascii(stack, admin, key):
    account = new_account(stack, admin, initial_credits=0)
    body = b'{"credits": 3}'
    head = (f"POST /api/v1/accounts/{account['account_id']}/topup HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\nIdempotency-Key: ").encode() + key + b"\r\n\r\n"
    status, response = raw_request(stack, head, body)
    assert status == 400 and json.loads(response)["code"] == "INVALID_IDEMPOTENCY_KEY"
    assert stack.api("GET", f"/api/v1/accounts/{account['account_id']}/transactions", admin).json()["total"] == 0


def test_an_idempotency_key_compares_the_parsed_request_not_its_bytes(stack, admin):
    account = new_account(stack, admin, initial_credits=0)
    path = f"/api/v1/accounts/{account['account_id']}/topup"
    key = {"Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"}
    first = stack.api("POST", path, admin, data='{"credits": 3}', headers=key)
    second = stack.api("POST", path, admin, data='{"credits":3.0}', headers=key)
    assert first.status_code == second.status_code == 200
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert stack.api("GET", f"/api/v1/accounts/{account['account_id']}/balance", admin).json()["credit_balance"] == 3


# 6. Every response is JSON, whoever answers it --------------------------------------------------

def test_nginx_413_is_json(stack):
    response = stack.api("POST", "/api/v1/accounts", data=b"x" * (2 << 20), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("head", [
    b"GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\nConnection: close\r\n\r\n",
    b"GET /api/v1/accounts/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /api/v1/accounts/% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /api/v1/accounts/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
])
def test_requests_nginx_refuses_get_json_errors(stack, head):
    status, body = raw_request(stack, head)
    assert status == 400
    assert json.loads(body)["code"] == "BAD_REQUEST"


def test_a_worker_killed_mid_request_gives_a_json_502(pool):
    import os
    import signal
    import threading
    results = []
    thread = threading.Thread(target=lambda: results.append(pool.get("/internal/debug/sleep?seconds=5", timeout=20)))
    thread.start()
    wait_until(lambda: any(process["state"] == "Running" and "sleep" in process.get("request uri", "")
                           for process in pool.status(full=True)["processes"]), "a busy worker")
    busy = [process["pid"] for process in pool.status(full=True)["processes"]
            if "sleep" in process.get("request uri", "")]
    os.kill(busy[0], signal.SIGKILL)
    thread.join()
    assert results[0].status_code == 502
    assert results[0].headers["Content-Type"].startswith("application/json")
    assert results[0].json()["code"] == "BAD_GATEWAY"


# 2. One contact with many phones ----------------------------------------------------------------

def test_one_contact_keeps_ten_phones_and_counts_the_rest(stack, admin):
    account = new_account(stack, admin)
    response = upload(stack, admin, "many.csv", {"account_id": account["account_id"]}, content=single_rut_csv(25),
                      endpoint="/api/v1/batches/excel/preview")
    assert response.status_code == 200, response.text
    body = response.json()["preview"]
    assert body["phones_dropped"] == 15
    assert body["sample_contacts"][0]["phones"] == [f"+569{10_000_000 + row}" for row in range(10)]


def test_single_contact_preview_grows_linearly_with_rows(stack, admin):
    account = new_account(stack, admin)

    def preview(rows):
        content = single_rut_csv(rows)
        return lambda: upload(stack, admin, "many.csv", {"account_id": account["account_id"]}, content=content,
                              endpoint="/api/v1/batches/excel/preview")
    small, _ = timed(preview(10_000))
    large, response = timed(preview(40_000))
    assert response.status_code == 200 and response.json()["preview"]["phones_dropped"] == 40_000 - 10
    assert large / small < 8, (small, large)


# 7. A shared-strings bomb stays within a worker's memory bound ----------------------------------

def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_shared_strings_bomb_is_refused_within_the_memory_bound(pool, admin):
    bomb = shared_strings_bomb()
    assert len(bomb) < 2 << 20
    account = new_account(pool, admin)
    response = upload(pool, admin, "bomb.xlsx", {"account_id": account["account_id"]}, content=bomb,
                      endpoint="/api/v1/batches/excel/preview")
    assert response.status_code in (400, 413), response.text
    assert "texts add up to more than 64 MB" in response.json()["message"]
    # README: at most 200 MB per worker for any upload (the bomb reached 330 MB before the cap).
    peaks = {pid: peak_rss_mb(pid) for pid in pool.worker_pids()}
    assert max(peaks.values()) < 200, peaks
    assert pool.get("/health").status_code == 200


# 8. UTF-16 and UTF-32 text files ---------------------------------------------------------------

def test_a_utf16_csv_is_read(stack, admin):
    account = new_account(stack, admin)
    text = (Path(__file__).resolve().parent.parent / "Fixtures" / "contacts" / "chile.csv").read_bytes()
    content = text.decode("utf-8-sig").replace(";", "\t").encode("utf-16")  # Excel's "Unicode Text": UTF-16LE, BOM, tabs
    response = upload(stack, admin, "chile.txt", {"account_id": account["account_id"]}, content=content,
                      endpoint="/api/v1/batches/excel/preview")
    assert response.status_code == 200, response.text
    assert response.json()["preview"]["contacts"] == 3


def test_a_utf32_csv_says_what_it_is_and_what_to_do(stack, admin):
    account = new_account(stack, admin)
    response = upload(stack, admin, "chile.csv", {"account_id": account["account_id"]},
                      content="RUT,Teléfono\n".encode("utf-32"), endpoint="/api/v1/batches/excel/preview")
    assert response.status_code == 415
    assert "UTF-32" in response.json()["message"] and "CSV UTF-8" in response.json()["message"]
