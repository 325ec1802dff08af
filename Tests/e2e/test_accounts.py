"""Accounts, API keys and the credit ledger through nginx, the pool and PostgreSQL."""
import threading
import uuid
from decimal import Decimal

import pytest

ACCOUNT_FIELDS = {
    "account_id", "_id", "account_name", "contact_name", "contact_email", "contact_phone", "plan_type", "status",
    "country", "timezone", "cost_per_minute", "cost_per_call_setup", "cost_failed_call", "max_concurrent_calls",
    "daily_call_limit", "credit_balance", "credit_reserved", "credit_available", "credit_used", "minutes_purchased",
    "minutes_used", "minutes_reserved", "minutes_available", "created_at", "updated_at",
}
NUMBER_FIELDS = {"cost_per_minute", "cost_per_call_setup", "cost_failed_call", "credit_balance", "credit_reserved",
                 "credit_available", "credit_used", "minutes_purchased", "minutes_used", "minutes_reserved",
                 "minutes_available"}


def new_account(stack, admin, **fields):
    body = {"account_name": "Empresa " + uuid.uuid4().hex[:6], "contact_name": "Juan Pérez",
            "contact_email": "juan@empresa.cl", "plan_type": "credit_based", "initial_credits": 100.0}
    body.update(fields)
    response = stack.api("POST", "/api/v1/accounts", admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()["account"]


def decimal(value):
    return Decimal(str(value))


# Creating and reading ------------------------------------------------------------------------

def test_create_returns_the_seed_fields_and_the_account(stack, admin):
    response = stack.api("POST", "/api/v1/accounts", admin, json={
        "account_name": "Mi Empresa", "contact_name": "Juan Pérez", "contact_email": "juan@empresa.com",
        "contact_phone": "+56912345678", "plan_type": "credit_based", "initial_credits": 100.0})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["message"]
    account = body["account"]
    assert body["account_id"] == account["account_id"]
    assert account["account_id"].startswith("acc-") and len(account["account_id"]) == 16
    assert ACCOUNT_FIELDS <= set(account)
    for field in NUMBER_FIELDS:
        assert isinstance(account[field], (int, float)) and not isinstance(account[field], bool), field
    assert account["credit_balance"] == 100 and account["credit_available"] == 100
    assert account["status"] == "active" and account["country"] == "CL"
    assert account["timezone"] == "America/Santiago"
    assert len(account["_id"]) == 24 and int(account["_id"], 16) >= 0
    assert account["created_at"].endswith("Z")


def test_client_chosen_account_id_and_argentine_defaults(stack, admin):
    chosen = "test_" + uuid.uuid4().hex[:8]
    account = new_account(stack, admin, account_id=chosen, country="AR", plan_type="minutes_based",
                          initial_credits=None, initial_minutes=60)
    assert account["account_id"] == chosen
    assert account["timezone"] == "America/Argentina/Buenos_Aires"
    assert account["minutes_purchased"] == 60 and account["minutes_available"] == 60
    again = stack.api("POST", "/api/v1/accounts", admin, json={
        "account_id": chosen, "account_name": "X", "contact_name": "Y", "contact_email": "y@z.cl"})
    assert again.status_code == 409 and again.json()["code"] == "ACCOUNT_ID_TAKEN"


@pytest.mark.parametrize("body,field", [
    ({"contact_name": "J", "contact_email": "j@e.cl"}, "account_name"),
    ({"account_name": "", "contact_name": "J", "contact_email": "j@e.cl"}, "account_name"),
    ({"account_name": "x" * 201, "contact_name": "J", "contact_email": "j@e.cl"}, "account_name"),
    ({"account_name": "A", "contact_email": "j@e.cl"}, "contact_name"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "not-an-email"}, "contact_email"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "plan_type": "gold"}, "plan_type"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "country": "PE"}, "country"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "timezone": "Mars/Olympus"}, "timezone"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "initial_credits": -5}, "initial_credits"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "initial_credits": 1e12}, "initial_credits"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "initial_credits": "100"}, "initial_credits"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "initial_credits": 0.00001}, "initial_credits"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "account_id": "Bad Id!"}, "account_id"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "max_concurrent_calls": 0}, "max_concurrent_calls"),
    ({"account_name": "A", "contact_name": "J", "contact_email": "j@e.cl", "unexpected": 1}, "unexpected"),
])
def test_create_validation_errors(stack, admin, body, field):
    before = stack.api("GET", "/api/v1/accounts?limit=1", admin).json()["total"]
    response = stack.api("POST", "/api/v1/accounts", admin, json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["message"] and error["code"] == "VALIDATION_ERROR"
    assert field in {item["field"] for item in error["errors"]}
    assert stack.api("GET", "/api/v1/accounts?limit=1", admin).json()["total"] == before  # nothing written


def test_bad_bodies_are_clear_4xx(stack, admin):
    raw = stack.api("POST", "/api/v1/accounts", admin, data=b"{not json", headers={"Content-Type": "application/json"})
    assert raw.status_code == 400 and raw.json()["code"] == "INVALID_JSON"
    listed = stack.api("POST", "/api/v1/accounts", admin, data=b"[1]", headers={"Content-Type": "application/json"})
    assert listed.status_code == 400
    form = stack.api("POST", "/api/v1/accounts", admin, data=b"a=b",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    nan = stack.api("POST", "/api/v1/accounts", admin, data=b'{"account_name":"A","contact_name":"J",'
                    b'"contact_email":"j@e.cl","initial_credits":NaN}', headers={"Content-Type": "application/json"})
    assert nan.status_code == 400


def test_get_account_by_either_id_form(stack, admin):
    account = new_account(stack, admin)
    for reference in (account["account_id"], account["_id"]):
        response = stack.api("GET", f"/api/v1/accounts/{reference}", admin)
        assert response.status_code == 200
        assert response.json() == account | {"updated_at": response.json()["updated_at"]}
    assert stack.api("GET", "/api/v1/accounts/acc-doesnotexist", admin).status_code == 404


def test_list_filters_and_pagination(stack, admin):
    minutes = new_account(stack, admin, plan_type="minutes_based", initial_credits=None, initial_minutes=10)
    suspended = new_account(stack, admin)
    assert stack.api("PUT", f"/api/v1/accounts/{suspended['account_id']}/suspend", admin).status_code == 200
    page = stack.api("GET", "/api/v1/accounts?limit=2&skip=0", admin).json()
    assert set(page) == {"accounts", "total", "limit", "skip"}
    assert len(page["accounts"]) == 2 and page["limit"] == 2 and page["skip"] == 0 and page["total"] >= 2
    # newest first
    created = [a["created_at"] for a in page["accounts"]]
    assert created == sorted(created, reverse=True)
    by_plan = stack.api("GET", "/api/v1/accounts?plan_type=minutes_based&limit=1000", admin).json()["accounts"]
    assert minutes["account_id"] in {a["account_id"] for a in by_plan}
    assert all(a["plan_type"] == "minutes_based" for a in by_plan)
    by_status = stack.api("GET", "/api/v1/accounts?status=suspended&limit=1000", admin).json()["accounts"]
    assert suspended["account_id"] in {a["account_id"] for a in by_status}
    assert all(a["status"] == "suspended" for a in by_status)
    past_the_end = stack.api("GET", "/api/v1/accounts?skip=100000", admin).json()
    assert past_the_end["accounts"] == [] and past_the_end["total"] >= 2
    for bad in ("limit=0", "limit=1001", "limit=x", "skip=-1", "status=expired", "plan_type=gold"):
        response = stack.api("GET", f"/api/v1/accounts?{bad}", admin)
        assert response.status_code == 400 and response.json()["message"], bad


# Balances, top-ups and the ledger ------------------------------------------------------------

def test_balance_has_the_seed_fields(stack, admin):
    account = new_account(stack, admin, initial_credits=150.5)
    balance = stack.api("GET", f"/api/v1/accounts/{account['_id']}/balance", admin).json()
    assert balance["account_id"] == account["account_id"] and balance["plan_type"] == "credit_based"
    assert balance["credit_balance"] == 150.5 and balance["credit_available"] == 150.5
    assert balance["credit_reserved"] == 0 and balance["credit_used"] == 0
    assert balance["can_make_calls"] is True


def test_topup_adds_exactly_and_records_a_transaction(stack, admin):
    account = new_account(stack, admin, initial_credits=0.1)
    for _ in range(3):
        response = stack.api("POST", f"/api/v1/accounts/{account['account_id']}/topup", admin, json={"credits": 0.1})
        assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["amount_added"] == 0.1
    assert decimal(body["new_balance"]) == Decimal("0.4")  # exact: no binary floating point on the way
    assert body["transaction_id"].startswith("txn_")
    transactions = stack.api("GET", f"/api/v1/accounts/{account['account_id']}/transactions", admin).json()
    assert set(transactions) == {"transactions", "total", "limit", "skip"}
    assert transactions["total"] == 4
    first = transactions["transactions"][0]
    assert {"transaction_id", "type", "amount", "cost", "description", "created_at"} <= set(first)
    assert first["type"] == "topup_credits" and first["amount"] == 0.1 and decimal(first["balance_after"]) == Decimal("0.4")


def test_topup_minutes_on_a_minutes_plan_and_mismatches_refused(stack, admin):
    account = new_account(stack, admin, plan_type="minutes_based", initial_credits=None, initial_minutes=5)
    ok = stack.api("POST", f"/api/v1/accounts/{account['account_id']}/topup", admin, json={"minutes": 30})
    assert ok.status_code == 200 and ok.json()["new_balance"] == 35
    wrong = stack.api("POST", f"/api/v1/accounts/{account['account_id']}/topup", admin, json={"credits": 30})
    assert wrong.status_code == 400 and wrong.json()["code"] == "PLAN_MISMATCH"


@pytest.mark.parametrize("body", [{}, {"credits": 0}, {"credits": -10}, {"credits": 1e12}, {"credits": "10"},
                                  {"credits": 10, "minutes": 5}, {"credits": None}, {"credits": 1.23456},
                                  {"amount": 10}])
def test_topup_validation(stack, admin, body):
    account = new_account(stack, admin)
    response = stack.api("POST", f"/api/v1/accounts/{account['account_id']}/topup", admin, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["message"]
    after = stack.api("GET", f"/api/v1/accounts/{account['account_id']}/balance", admin).json()
    assert after["credit_balance"] == 100


def test_idempotency_key_replays_the_first_response_and_moves_money_once(stack, admin):
    account = new_account(stack, admin, initial_credits=0)
    path = f"/api/v1/accounts/{account['account_id']}/topup"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = stack.api("POST", path, admin, json={"credits": 25}, headers=key)
    second = stack.api("POST", path, admin, json={"credits": 25}, headers=key)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    other = stack.api("POST", path, admin, json={"credits": 26}, headers=key)
    assert other.status_code == 409 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    # Concurrent duplicates of a new key: still one top-up.
    concurrent = {"Idempotency-Key": str(uuid.uuid4())}
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        stack.api("POST", path, admin, json={"credits": 10}, headers=concurrent))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result.status_code == 200 for result in results)
    assert len({result.json()["transaction_id"] for result in results}) == 1
    balance = stack.api("GET", f"/api/v1/accounts/{account['account_id']}/balance", admin).json()
    assert balance["credit_balance"] == 35
    assert stack.api("GET", f"/api/v1/accounts/{account['account_id']}/transactions", admin).json()["total"] == 2


def test_transactions_filter_and_pagination(stack, admin):
    account = new_account(stack, admin, initial_credits=1)
    for amount in (1, 2, 3):
        stack.api("POST", f"/api/v1/accounts/{account['account_id']}/topup", admin, json={"credits": amount})
    path = f"/api/v1/accounts/{account['account_id']}/transactions"
    page = stack.api("GET", path + "?limit=2&skip=1", admin).json()
    assert page["total"] == 4 and [t["amount"] for t in page["transactions"]] == [2, 1]
    assert stack.api("GET", path + "?type=topup_credits", admin).json()["total"] == 4
    assert stack.api("GET", path + "?type=call_usage", admin).json()["total"] == 0
    assert stack.api("GET", path + "?type=bogus", admin).status_code == 400


def test_account_batches_are_listed(stack, admin):
    account = new_account(stack, admin)
    body = stack.api("GET", f"/api/v1/accounts/{account['account_id']}/batches", admin).json()
    assert body == {"batches": [], "total": 0, "limit": 50, "skip": 0}
    assert stack.api("GET", "/api/v1/accounts/acc-nothere000/batches", admin).status_code == 404


# Status ---------------------------------------------------------------------------------------

def test_suspend_and_activate(stack, admin):
    account = new_account(stack, admin)
    path = f"/api/v1/accounts/{account['account_id']}"
    suspended = stack.api("PUT", path + "/suspend?reason=impago", admin)
    assert suspended.status_code == 200
    assert suspended.json()["account"]["status"] == "suspended"
    assert suspended.json()["account"]["suspension_reason"] == "impago"
    assert stack.api("GET", path + "/balance", admin).json()["can_make_calls"] is False
    assert stack.api("PUT", path + "/suspend", admin).status_code == 200  # idempotent
    activated = stack.api("PUT", path + "/activate", admin).json()["account"]
    assert activated["status"] == "active" and activated["suspension_reason"] is None
    assert activated["updated_at"] > account["updated_at"]


def test_patch_updates_fields_and_is_active(stack, admin):
    account = new_account(stack, admin)
    path = f"/api/v1/accounts/{account['account_id']}"
    patched = stack.api("PATCH", path, admin, json={"is_active": False})
    assert patched.status_code == 200 and patched.json()["status"] == "suspended"
    assert stack.api("PATCH", path, admin, json={"is_active": True}).json()["status"] == "active"
    changed = stack.api("PATCH", path, admin, json={
        "account_name": "Nuevo Nombre", "cost_per_minute": 0.2, "max_concurrent_calls": 10,
        "timezone": "America/Punta_Arenas", "contact_phone": None}).json()
    assert changed["account_name"] == "Nuevo Nombre" and changed["cost_per_minute"] == 0.2
    assert changed["max_concurrent_calls"] == 10 and changed["timezone"] == "America/Punta_Arenas"
    assert changed["credit_balance"] == 100  # balances are never patched
    for bad in ({}, {"credit_balance": 1000}, {"cost_per_minute": -1}, {"timezone": "Nowhere"},
                {"status": "active", "is_active": False}, {"is_active": "yes"}, {"contact_email": "x"}):
        response = stack.api("PATCH", path, admin, json=bad)
        assert response.status_code == 400, (bad, response.text)
    assert stack.api("PATCH", "/api/v1/accounts/acc-nothere000", admin, json={"is_active": True}).status_code == 404


# Keys and tenants -----------------------------------------------------------------------------

def test_requests_without_a_valid_key_get_401(stack):
    for headers in ({}, {"Authorization": "Bearer sk_wrong"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer " + "sk_" + "A" * 43}):
        response = stack.api("GET", "/api/v1/accounts", headers=headers)
        assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED"
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert stack.get("/health").status_code == 200  # health needs no key


def test_account_keys_see_only_their_account(stack, admin):
    mine = new_account(stack, admin)
    theirs = new_account(stack, admin)
    key = stack.create_key(mine["account_id"])
    assert stack.api("GET", f"/api/v1/accounts/{mine['account_id']}", key).status_code == 200
    assert stack.api("GET", f"/api/v1/accounts/{mine['_id']}/balance", key).status_code == 200
    assert stack.api("GET", f"/api/v1/accounts/{mine['account_id']}/transactions", key).status_code == 200
    for path in (f"/api/v1/accounts/{theirs['account_id']}", f"/api/v1/accounts/{theirs['_id']}/balance",
                 f"/api/v1/accounts/{theirs['account_id']}/transactions",
                 f"/api/v1/accounts/{theirs['account_id']}/batches"):
        response = stack.api("GET", path, key)
        assert response.status_code == 404, path
    listed = stack.api("GET", "/api/v1/accounts", key).json()
    assert [a["account_id"] for a in listed["accounts"]] == [mine["account_id"]] and listed["total"] == 1


def test_account_keys_cannot_use_admin_routes(stack, admin):
    mine = new_account(stack, admin)
    key = stack.create_key(mine["account_id"])
    for method, path, body in (
            ("POST", "/api/v1/accounts", {"account_name": "A", "contact_name": "B", "contact_email": "c@d.cl"}),
            ("POST", f"/api/v1/accounts/{mine['account_id']}/topup", {"credits": 5}),
            ("PUT", f"/api/v1/accounts/{mine['account_id']}/suspend", None),
            ("PUT", f"/api/v1/accounts/{mine['account_id']}/activate", None),
            ("PATCH", f"/api/v1/accounts/{mine['account_id']}", {"is_active": False})):
        response = stack.api(method, path, key, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "ADMIN_ONLY"
    assert stack.api("GET", f"/api/v1/accounts/{mine['account_id']}/balance", key).json()["credit_balance"] == 100


def test_revoked_keys_stop_working(stack, admin):
    key = stack.create_key()
    assert stack.api("GET", "/api/v1/accounts", key).status_code == 200
    listed = stack.cli("keys", "list")
    key_id = key[:11]
    assert key_id in listed and key not in listed  # the key itself is never shown again
    stack.cli("keys", "revoke", key_id)
    assert stack.api("GET", "/api/v1/accounts", key).status_code == 401


def test_auth_can_be_disabled_for_development(pool):
    pool.start_pool(SPEECHAI_AUTH="disabled")
    response = pool.api("GET", "/api/v1/accounts")
    assert response.status_code == 200
    assert "SPEECHAI_AUTH=disabled" in pool.log()


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/v1/accounts/%00", None),
    ("GET", "/api/v1/accounts/%FF%FE", None),
    ("GET", "/api/v1/accounts/" + "a" * 2000, None),
    ("GET", "/api/v1/accounts?limit=99999999999999999999999", None),
    ("GET", "/api/v1/accounts?skip=1e3", None),
    ("POST", "/api/v1/accounts", b'{"account_name": "\xff\xfe"}'),
    ("POST", "/api/v1/accounts", b'{"account_name": ' + b'[' * 500 + b']' * 500 + b'}'),
    ("POST", "/api/v1/accounts", b'{"account_name": "A", "contact_name": "B", "contact_email": "c@d.cl", "max_concurrent_calls": 1.5}'),
    ("POST", "/api/v1/accounts", b'{"account_name": "A", "contact_name": "B", "contact_email": "c@d.cl", "initial_credits": 1e400}'),
    ("POST", "/api/v1/accounts", b'{"account_name": "A\\u0000B", "contact_name": "B", "contact_email": "c@d.cl"}'),
    ("POST", "/api/v1/accounts", b'{"features": "x", "settings": [1], "account_name": "A", "contact_name": "B", "contact_email": "c@d.cl"}'),
    ("PATCH", "/api/v1/accounts/acc-x", b'null'),
    ("POST", "/api/v1/accounts/acc-x/topup", b'{"credits": 1e-10}'),
    ("POST", "/api/v1/accounts/acc-x/topup", b'{"credits": 99999999999999999999999999999}'),
])
def test_malformed_input_is_never_a_500(stack, admin, method, path, body):
    response = stack.api(method, path, admin, data=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if response.headers.get("Content-Type", "").startswith("application/json"):
        assert response.json()["message"]


def test_a_nul_in_an_id_never_reaches_another_account(stack, admin):
    account = new_account(stack, admin)
    # nginx refuses an encoded NUL in the path itself; other control characters reach us.
    assert stack.api("GET", f"/api/v1/accounts/{account['account_id']}%00tail", admin).status_code == 400
    assert stack.api("GET", f"/api/v1/accounts/{account['account_id']}%01", admin).status_code == 404
    suspend = stack.api("PUT", f"/api/v1/accounts/{account['account_id']}/suspend?reason=a%00b", admin)
    assert suspend.status_code == 400
