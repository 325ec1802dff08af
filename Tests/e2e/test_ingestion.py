"""Contact-list ingestion through nginx: xlsx, xls and csv uploads, preview, creation, duplicates,
credit checks and every kind of bad file. Fixtures: Tests/Fixtures/contacts (make_contacts.py)."""
import io
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from test_accounts import new_account

FIXTURES = Path(__file__).resolve().parent.parent / "Fixtures" / "contacts"
FORMATS = ["chile.xlsx", "chile.xls", "chile.csv"]

# What every format of the Chilean fixture must give (make_contacts.py writes the same rows to all three).
EXPECTED_CONTACTS = {
    "12.345.678-5": {"name": "ANA MARIA PEREZ", "phones": ["+56912345678", "+56223456789"], "debt_amount": 200000,
                     "cantidad_cupones": 2, "fecha_limite": "2025-12-03", "fecha_maxima": "2025-11-25",
                     "company_name": "Natura"},
    "7.654.321-6": {"name": "LUIS SOTO", "phones": ["+56987654321", "+56998765432"], "debt_amount": 80000,
                    "cantidad_cupones": 1, "fecha_limite": "2025-12-09", "fecha_maxima": "2025-12-13",
                    "company_name": "Avon exclusiva"},
    "10.000.013-K": {"name": "CAROLA DIAZ", "phones": ["+56988776655"], "debt_amount": 20000, "cantidad_cupones": 1,
                     "fecha_limite": "2025-11-28", "fecha_maxima": "2025-12-02",
                     "company_name": "Avon Mútua ya existente"},
}
EXPECTED_ERRORS = [
    {"row": 6, "column": "Teléfono móvil", "value": "x", "reason": "no valid phone number"},
    {"row": 7, "column": "RUTS"},
]


def upload(stack, key, name, fields, content=None, endpoint="/api/v1/batches/excel/create"):
    """Uploads the fixture `name` (or `content` under that name) with the form `fields`."""
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return stack.api("POST", endpoint, key, files={"file": (name, data)}, data=fields, timeout=120)


def account_with(stack, admin, credits=1000.0, **fields):
    return new_account(stack, admin, initial_credits=credits, **fields)


def batch_jobs(stack, key, batch_id):
    response = stack.api("GET", f"/api/v1/batches/{batch_id}/jobs?limit=1000", key)
    assert response.status_code == 200, response.text
    return response.json()["jobs"]


def job_count(stack, key, account_id):
    batches = stack.api("GET", f"/api/v1/batches?account_id={account_id}&limit=1000", key).json()["batches"]
    return sum(batch["total_jobs"] for batch in batches), len(batches)


# Each format creates the same batch -----------------------------------------------------------

@pytest.mark.parametrize("name", FORMATS)
def test_each_format_creates_the_expected_batch_and_jobs(stack, admin, name):
    account = account_with(stack, admin)
    response = upload(stack, admin, name, {"account_id": account["account_id"], "batch_name": "Cobranza " + name})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["success"] is True
    assert body["batch_name"] == "Cobranza " + name
    assert body["jobs_created"] == body["total_jobs"] == body["total_debtors"] == 3
    assert body["contacts_processed"] == 3
    assert body["invalid_rows"] == 2 and body["total_rows"] == 6
    assert body["duplicates_skipped"] == 0
    assert Decimal(str(body["estimated_cost"])) == Decimal("1.41")
    errors = body["row_errors"]
    assert [error["row"] for error in errors] == [6, 7]
    assert errors[0] == EXPECTED_ERRORS[0]
    assert errors[1]["column"] == "RUTS" and "check digit" in errors[1]["reason"]

    batch = body["batch"]
    assert batch["status"] == "active" and batch["is_active"] is True
    assert batch["total_jobs"] == batch["pending_jobs"] == 3
    assert batch["source_filename"] == name

    jobs = batch_jobs(stack, admin, body["batch_id"])
    assert len(jobs) == 3
    by_dni = {job["contact"]["dni"]: job for job in jobs}
    assert set(by_dni) == set(EXPECTED_CONTACTS)
    for dni, expected in EXPECTED_CONTACTS.items():
        job = by_dni[dni]
        assert job["status"] == "pending"
        assert job["contact"]["name"] == expected["name"]
        assert job["contact"]["phones"] == expected["phones"], (name, dni)
        assert job["contact"]["next_phone_index"] == 0
        assert job["to_number"] == expected["phones"][0]
        payload = job["payload"]
        assert Decimal(str(payload["debt_amount"])) == expected["debt_amount"]
        # The console reads these under additional_info (legacy-console.md §2.8); they are nowhere else.
        info = payload["additional_info"]
        assert info["cantidad_cupones"] == expected["cantidad_cupones"]
        assert info["fecha_limite"] == payload["due_date"] == expected["fecha_limite"]
        assert info["fecha_maxima"] == expected["fecha_maxima"]
        assert not {"cantidad_cupones", "fecha_limite", "fecha_maxima"} & set(payload)
        assert payload["company_name"] == expected["company_name"]
        assert job["max_attempts"] == 3 and job["attempts"] == 0
        assert job["account_id"] == account["account_id"] and job["batch_id"] == body["batch_id"]


def test_preview_equals_create_and_writes_nothing(stack, admin):
    account = account_with(stack, admin)
    fields = {"account_id": account["account_id"]}
    preview = upload(stack, admin, "chile.xlsx", fields, endpoint="/api/v1/batches/excel/preview")
    assert preview.status_code == 200, preview.text
    summary = preview.json()["preview"]
    assert preview.json()["filename"] == "chile.xlsx"
    assert summary["total_rows"] == 6 and summary["valid_rows"] == 4 and summary["invalid_rows"] == 2
    assert summary["contacts"] == summary["jobs_to_create"] == 3 and summary["duplicates"] == 0
    assert Decimal(str(summary["estimated_cost"])) == Decimal("1.41")
    assert summary["can_afford"] is True
    assert [error["row"] for error in summary["row_errors"]] == [6, 7]
    assert {contact["dni"] for contact in summary["sample_contacts"]} == set(EXPECTED_CONTACTS)
    assert summary["columns"]["mobile_phone"] == "Teléfono móvil"
    assert job_count(stack, admin, account["account_id"]) == (0, 0)

    created = upload(stack, admin, "chile.xlsx", fields).json()
    assert created["jobs_created"] == summary["jobs_to_create"]
    assert created["invalid_rows"] == summary["invalid_rows"]
    assert Decimal(str(created["estimated_cost"])) == Decimal(str(summary["estimated_cost"]))
    assert created["row_errors"] == summary["row_errors"]
    # After creation the same preview sees every contact as a duplicate.
    again = upload(stack, admin, "chile.xlsx", fields, endpoint="/api/v1/batches/excel/preview").json()["preview"]
    assert again["duplicates"] == 3 and again["jobs_to_create"] == 0


# Duplicates -----------------------------------------------------------------------------------

def test_duplicates_are_skipped_only_within_the_same_account(stack, admin):
    first = account_with(stack, admin)
    created = upload(stack, admin, "chile.csv", {"account_id": first["account_id"]}).json()
    # The same list again: nothing left to create.
    again = upload(stack, admin, "chile.xlsx", {"account_id": first["account_id"]})
    assert again.status_code == 400
    assert again.json()["code"] == "ALL_DUPLICATES"
    assert {entry["batch_id"] for entry in again.json()["duplicates"]} == {created["batch_id"]}
    # Another tenant uploading the same people sees no duplicates and nothing of the first account.
    second = account_with(stack, admin)
    other = upload(stack, admin, "chile.xls", {"account_id": second["account_id"]})
    assert other.status_code == 201, other.text
    assert other.json()["duplicates_found"] == 0 and other.json()["jobs_created"] == 3
    # One new contact among known ones: the known ones are skipped and listed.
    mixed = stack.api("POST", "/api/v1/batches", admin, json={
        "account_id": first["account_id"], "name": "Mixed", "contacts": [
            {"name": "Ana", "rut": "12.345.678-5", "phone": "912345678"},
            {"name": "Nuevo", "rut": "9.876.543-3", "phones": ["987650000", "+56 2 2345 0000"]}]})
    assert mixed.status_code == 201, mixed.text
    assert mixed.json()["jobs_created"] == 1 and mixed.json()["duplicates_skipped"] == 1
    assert mixed.json()["duplicates"][0]["batch_id"] == created["batch_id"]


def test_allow_duplicates_keeps_them(stack, admin):
    account = account_with(stack, admin)
    upload(stack, admin, "chile.xlsx", {"account_id": account["account_id"]})
    response = upload(stack, admin, "chile.xlsx", {"account_id": account["account_id"], "allow_duplicates": "true"})
    assert response.status_code == 201, response.text
    assert response.json()["jobs_created"] == 3
    assert response.json()["duplicates_found"] == 3 and response.json()["duplicates_skipped"] == 0


# Money and account state ---------------------------------------------------------------------

def test_an_account_without_enough_credit_gets_insufficient_credits_and_nothing_is_written(stack, admin):
    account = account_with(stack, admin, credits=1.0)
    response = upload(stack, admin, "chile.xlsx", {"account_id": account["account_id"]})
    assert response.status_code == 400
    assert response.json()["code"] == "INSUFFICIENT_CREDITS"
    assert "1.41" in response.json()["message"]
    assert job_count(stack, admin, account["account_id"]) == (0, 0)
    preview = upload(stack, admin, "chile.xlsx", {"account_id": account["account_id"]},
                     endpoint="/api/v1/batches/excel/preview").json()["preview"]
    assert preview["can_afford"] is False and Decimal(str(preview["available"])) == 1


def test_a_suspended_account_cannot_create_batches(stack, admin):
    account = account_with(stack, admin)
    stack.api("PUT", f"/api/v1/accounts/{account['account_id']}/suspend", admin)
    response = upload(stack, admin, "chile.xlsx", {"account_id": account["account_id"]})
    assert response.status_code == 409
    assert response.json()["code"] == "ACCOUNT_SUSPENDED"
    json_response = stack.api("POST", "/api/v1/batches", admin, json={"account_id": account["account_id"], "name": "x"})
    assert json_response.status_code == 409
    assert job_count(stack, admin, account["account_id"]) == (0, 0)


def test_account_keys_upload_only_to_their_own_account(stack, admin):
    mine = account_with(stack, admin)
    theirs = account_with(stack, admin)
    key = stack.create_key(mine["account_id"])
    assert upload(stack, key, "chile.csv", {"account_id": theirs["account_id"]}).status_code == 404
    assert upload(stack, key, "chile.csv", {"account_id": mine["account_id"]}).status_code == 201
    assert stack.api("POST", "/api/v1/batches/excel/create", None, files={"file": ("a.csv", b"x")},
                     data={"account_id": mine["account_id"]}).status_code == 401


# Bad files and bad forms ----------------------------------------------------------------------

def bomb() -> bytes:
    """A well-formed xlsx whose sheet inflates to about 600 MB of blanks (a few hundred KB zipped)."""
    source = zipfile.ZipFile(FIXTURES / "chile.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            chunk = b" " * (1 << 24)
            for _ in range(36):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def too_many_rows() -> bytes:
    lines = ["RUT;Celular"] + [f"{n};9{n:08d}" for n in range(200_001)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("case, status, code", [
    ("truncated.xlsx", 400, "INVALID_FILE"),
    ("entities.xlsx", 400, "INVALID_FILE"),
    ("bomb.xlsx", 400, "INVALID_FILE"),
    ("empty.csv", 400, "EMPTY_FILE"),
    ("header_only.csv", 400, "EMPTY_FILE"),
    ("no_phone_column.csv", 400, "MISSING_COLUMNS"),
    ("picture.png", 415, "UNSUPPORTED_FILE_TYPE"),
    ("too_many_rows.csv", 400, "TOO_MANY_ROWS"),
])
def test_each_bad_file_gets_a_clear_error_and_nothing_is_written(stack, admin, case, status, code):
    account = account_with(stack, admin)
    content = {"bomb.xlsx": bomb, "too_many_rows.csv": too_many_rows, "empty.csv": lambda: b""}.get(case)
    for endpoint in ["/api/v1/batches/excel/create", "/api/v1/batches/excel/preview"]:
        response = upload(stack, admin, case, {"account_id": account["account_id"]},
                          content=content() if content else None, endpoint=endpoint)
        assert response.status_code == status, (case, endpoint, response.text)
        body = response.json()
        assert body["code"] == code and body["message"], body
    assert job_count(stack, admin, account["account_id"]) == (0, 0)


def test_a_file_above_20_mb_is_refused_by_nginx(stack, admin):
    account = account_with(stack, admin)
    response = upload(stack, admin, "big.csv", {"account_id": account["account_id"]}, content=b"a" * (21 << 20))
    assert response.status_code == 413


def test_form_problems(stack, admin):
    account = account_with(stack, admin)
    fields = {"account_id": account["account_id"]}
    missing_file = stack.api("POST", "/api/v1/batches/excel/create", admin, files={"other": ("", b"")}, data=fields)
    assert missing_file.status_code == 400
    not_multipart = stack.api("POST", "/api/v1/batches/excel/create", admin, json=fields)
    assert not_multipart.status_code == 415
    for bad in [{"account_id": "string"}, {"account_id": ""}, {"processing_type": "magic"}, {"allow_duplicates": "maybe"},
                {"dias_fecha_limite": "-1"}, {"call_settings_json": "{not json"}, {"call_settings_json": '{"max_attempts": 99}'},
                {"call_settings_json": '{"timezone": "Mars/Olympus"}'}, {"colour": "red"}]:
        response = upload(stack, admin, "chile.csv", {**fields, **bad})
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["code"] == "VALIDATION_ERROR" and response.json()["errors"], bad
    assert upload(stack, admin, "chile.csv", {"account_id": "nobody-" + uuid.uuid4().hex[:6]}).status_code == 404
    assert job_count(stack, admin, account["account_id"]) == (0, 0)


def test_call_settings_are_stored_canonical(stack, admin):
    account = account_with(stack, admin)
    settings = ('{"max_call_duration": 300, "ring_timeout": 30, "max_attempts": 4, "retry_delay_hours": 1, '
                '"allowed_hours": {"start": "9:00", "end": "18:00"}, "days_of_week": [0, 1, 2, 3, 4, 5], '
                '"timezone": "America/Santiago"}')
    response = upload(stack, admin, "chile.xlsx", {"account_id": account["account_id"], "call_settings_json": settings,
                                                  "allow_duplicates": "false", "processing_type": "basic"})
    assert response.status_code == 201, response.text
    stored = response.json()["batch"]["call_settings"]
    assert stored["allowed_hours"] == {"start": "09:00", "end": "18:00"}
    assert stored["days_of_week"] == [1, 2, 3, 4, 5, 7]
    assert stored["max_attempts"] == 4
    assert all(job["max_attempts"] == 4 for job in batch_jobs(stack, admin, response.json()["batch_id"]))


def test_acquisition_carries_the_rut_as_reference_number(stack, admin):
    account = account_with(stack, admin)
    response = upload(stack, admin, "chile.xlsx", {"account_id": account["account_id"], "processing_type": "acquisition"})
    assert response.status_code == 201, response.text
    assert response.json()["batch"]["processing_type"] == "acquisition"
    references = {job["payload"]["reference_number"] for job in batch_jobs(stack, admin, response.json()["batch_id"])}
    assert references == {"123456785", "76543216", "10000013K"}


def test_dias_overrides_count_from_today_in_the_batch_timezone(stack, admin):
    account = account_with(stack, admin)
    response = upload(stack, admin, "chile.csv", {"account_id": account["account_id"], "dias_fecha_limite": "5",
                                                 "dias_fecha_maxima": "10"})
    assert response.status_code == 201, response.text
    today = stack.psql("SELECT (now() AT TIME ZONE 'America/Santiago')::date")
    expected_limit = stack.psql(f"SELECT ('{today}'::date + 5)::text")
    for job in batch_jobs(stack, admin, response.json()["batch_id"]):
        assert job["payload"]["additional_info"]["fecha_limite"] == expected_limit


# Country and use-case endpoints ---------------------------------------------------------------

def test_use_cases_are_listed(stack, admin):
    body = stack.api("GET", "/api/v1/use-cases", admin).json()
    assert [case["id"] for case in body["use_cases"]] == ["debt_collection", "marketing"]


def test_chile_debt_collection(stack, admin):
    account = account_with(stack, admin)
    response = upload(stack, admin, "chile.xls", {"account_id": account["account_id"], "company_name": "Natura Chile",
                                                 "retell_agent_id": "agent_123"},
                      endpoint="/api/v1/batches/chile/debt_collection")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["country"] == "CL" and body["use_case"] == "debt_collection"
    assert body["stats"]["jobs_created"] == 3
    assert body["batch"]["retell_agent_id"] == "agent_123"
    assert body["batch"]["use_case_settings"] == {"company_name": "Natura Chile"}


def test_argentina_marketing_on_the_argentine_numbering_plan(stack, admin):
    account = account_with(stack, admin, country="AR")
    response = upload(stack, admin, "argentina.xlsx", {
        "account_id": account["account_id"], "company_name": "Tienda", "offer_description": "2x1",
        "discount_percentage": "15", "product_category": "hogar"}, endpoint="/api/v1/batches/argentina/marketing")
    assert response.status_code == 201, response.text
    jobs = batch_jobs(stack, admin, response.json()["batch_id"])
    phones = {job["contact"]["dni"]: job["contact"]["phones"] for job in jobs}
    assert phones == {
        "20.123.456": ["+5491123456789", "+541141234567"],
        "27.654.321": ["+5493515123456"],
        "30.111.222": ["+5493415551234"],
        "31.222.333": ["+5492614445566"],
    }
    assert all(job["max_attempts"] == 2 for job in jobs)
    payload = jobs[0]["payload"]
    assert payload["offer_description"] == "2x1" and payload["product_category"] == "hogar"
    assert Decimal(str(payload["discount_percentage"])) == 15


def test_use_case_endpoint_problems(stack, admin):
    account = account_with(stack, admin)
    fields = {"account_id": account["account_id"]}
    assert upload(stack, admin, "chile.csv", {**fields, "company_name": "X"},
                  endpoint="/api/v1/batches/chile/surveys").status_code == 404
    missing = upload(stack, admin, "chile.csv", fields, endpoint="/api/v1/batches/chile/debt_collection")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "company_name"
    bad_discount = upload(stack, admin, "chile.csv", {**fields, "company_name": "X", "discount_percentage": "150"},
                          endpoint="/api/v1/batches/chile/marketing")
    assert bad_discount.status_code == 400


# JSON batches and reading back ----------------------------------------------------------------

def test_json_batches_empty_or_with_contacts(stack, admin):
    account = account_with(stack, admin)
    empty = stack.api("POST", "/api/v1/batches", admin, json={
        "account_id": account["account_id"], "name": "Copia", "description": "dup", "priority": 2,
        "call_settings": {"max_call_duration": 300, "ring_timeout": 30, "max_attempts": 3, "retry_delay_hours": 1,
                          "allowed_hours": {"start": "09:00", "end": "18:00"}, "days_of_week": [1, 2, 3, 4, 5],
                          "timezone": "America/Argentina/Buenos_Aires"},
        "allow_duplicates": False})
    assert empty.status_code == 201, empty.text
    batch = empty.json()["batch"]
    assert batch["total_jobs"] == 0 and batch["status"] == "active" and batch["priority"] == 2
    assert batch["call_settings"]["timezone"] == "America/Argentina/Buenos_Aires"

    with_contacts = stack.api("POST", "/api/v1/batches", admin, json={
        "account_id": account["account_id"], "name": "JSON", "contacts": [
            {"name": "Ana", "rut": "12.345.678-5", "phone": "+56 9 1234 5678", "debt_amount": "$1.234,50"},
            {"name": "Sin fono", "rut": "7.654.321-6", "phone": "123"}]})
    assert with_contacts.status_code == 201, with_contacts.text
    body = with_contacts.json()
    assert body["jobs_created"] == 1 and body["invalid_rows"] == 1 and body["row_errors"][0]["row"] == 2
    job = batch_jobs(stack, admin, body["batch_id"])[0]
    assert Decimal(str(job["payload"]["debt_amount"])) == Decimal("1234.5")

    for bad in [{"name": "x"}, {"account_id": account["account_id"]},
                {"account_id": account["account_id"], "name": "x", "contacts": [{"nombre": "a", "colour": 1}]},
                {"account_id": account["account_id"], "name": "x", "priority": 9},
                {"account_id": account["account_id"], "name": "x", "contacts": "no"}]:
        assert stack.api("POST", "/api/v1/batches", admin, json=bad).status_code == 400, bad
    none_valid = stack.api("POST", "/api/v1/batches", admin, json={
        "account_id": account["account_id"], "name": "x", "contacts": [{"name": "a", "phone": "1"}]})
    assert none_valid.status_code == 400 and none_valid.json()["code"] == "NO_VALID_CONTACTS"


def test_batches_read_back_by_either_id_and_per_account(stack, admin):
    account = account_with(stack, admin)
    created = upload(stack, admin, "chile.xlsx", {"account_id": account["account_id"]}).json()
    by_batch_id = stack.api("GET", f"/api/v1/batches/{created['batch_id']}", admin).json()
    by_object_id = stack.api("GET", f"/api/v1/batches/{created['_id']}", admin).json()
    assert by_batch_id == by_object_id
    for field in ["_id", "batch_id", "name", "description", "account_id", "total_jobs", "pending_jobs",
                  "completed_jobs", "failed_jobs", "suspended_jobs", "total_cost", "total_minutes", "estimated_cost",
                  "is_active", "priority", "created_at", "updated_at"]:
        assert field in by_batch_id, field
    listed = stack.api("GET", f"/api/v1/accounts/{account['account_id']}/batches", admin).json()
    assert [batch["batch_id"] for batch in listed["batches"]] == [created["batch_id"]] and listed["total"] == 1
    assert stack.api("GET", f"/api/v1/batches?account_id={account['account_id']}", admin).json()["total"] == 1
    jobs = stack.api("GET", f"/api/v1/batches/{created['_id']}/jobs?status=pending&limit=2", admin).json()
    assert jobs["total"] == 3 and len(jobs["jobs"]) == 2 and jobs["limit"] == 2
    assert stack.api("GET", f"/api/v1/batches/{created['_id']}/jobs?status=done", admin).json()["total"] == 0
    assert stack.api("GET", f"/api/v1/batches/{created['_id']}/jobs?status=nope", admin).status_code == 400
    assert stack.api("GET", "/api/v1/batches/batch-2000-01-01-000000-000000", admin).status_code == 404
    # Another tenant's key sees none of it.
    other = account_with(stack, admin)
    key = stack.create_key(other["account_id"])
    assert stack.api("GET", f"/api/v1/batches/{created['batch_id']}", key).status_code == 404
    assert stack.api("GET", f"/api/v1/batches/{created['batch_id']}/jobs", key).status_code == 404
    assert stack.api("GET", "/api/v1/batches", key).json()["total"] == 0
    assert stack.api("GET", f"/api/v1/batches?account_id={account['account_id']}", key).status_code == 404
