"""The hostile-input suite: every route of the OpenAPI document sent what an attacker would send —
malformed, deep and wide JSON, wrong content types, bodies over the limits, invalid UTF-8 and NUL,
emoji and combining marks at every length limit, SQL and header injection, path traversal and every
malformed id, limit/skip extremes, credentials of every wrong shape, revoked keys and another
tenant's ids — and the uploads every broken, lying or malicious file. Each answer must be one of the
operation's documented 4xx, in the API's JSON error shape, leaking nothing; the pool keeps serving
with no worker lost and every worker's peak memory under the README's bound (200 MB).

Each class of attack is one test; its figures (requests, statuses seen, the slowest answer) are
printed at the end of the run."""
import csv
import io
import json
import random
import re
import time
import uuid
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import requests

from fake_retell import signature
from hostile_inputs import shared_strings_bomb, wide_object
from test_accounts import new_account
from test_dispatch import campaign, dispatch
from test_hardening import peak_rss_mb, raw_request
from test_ingestion import bomb, too_many_rows

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = json.loads((ROOT / "public" / "openapi.json").read_text())
FIXTURES = ROOT / "Tests" / "Fixtures"
WORKER_MEMORY_BOUND_MB = 200  # README, "Contact lists and batches": 200 MB per worker
# Routes that take no API key: the root, health, the loopback-only status pages, the signed webhook.
UNKEYED = {"/", "/health", "/api/v1/health", "/internal/status", "/internal/metrics", "/api/v1/webhooks/retell"}
# What no error body may contain: SQL, the database, our sources, paths, traces, nginx's version.
LEAKS = re.compile(r"select |insert |update .* set|sqlstate|postgres|libpq|syntax error|\.swift|fatal error|"
                   r"traceback|/tmp/|/work/|/usr/|nginx/\d|stack trace", re.IGNORECASE)


def operations():
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def documented(operation):
    return {int(status) for status in operation["responses"] if status.startswith("4")}


def body_kind(operation):
    content = operation.get("requestBody", {}).get("content", {})
    return "json" if "application/json" in content else "multipart" if "multipart/form-data" in content else None


class Probe:
    """Sends one class of attack and checks every answer; keeps its figures."""

    def __init__(self, stack):
        self.stack = stack
        self.statuses = Counter()
        self.slowest = (0.0, "")
        self.log_start = len(stack.log())

    def send(self, method, path, expected, key=None, headers=None, **kwargs):
        all_headers = dict(headers or {})
        if key:
            all_headers["Authorization"] = f"Bearer {key}"
        kwargs.setdefault("timeout", 60)
        start = time.perf_counter()
        response = requests.request(method, self.stack.url(path), headers=all_headers, **kwargs)
        self.answered(f"{method} {path[:80]}", time.perf_counter() - start, response.status_code, response.content,
                      expected)
        return response

    def answered(self, what, seconds, status, content, expected):
        self.statuses[status] += 1
        self.slowest = max(self.slowest, (seconds, what))
        assert status in expected, (what, status, content[:300])
        if status >= 400:
            body = json.loads(content)
            assert isinstance(body.get("code"), str) and body["code"] and isinstance(body.get("message"), str) \
                and body["message"], (what, body)
            assert not LEAKS.search(content.decode("utf-8", "replace")), (what, content[:300])

    def raw(self, head: bytes, body: bytes, expected):
        """Bytes as they are (requests refuses or repairs them)."""
        start = time.perf_counter()
        status, content = raw_request(self.stack, head, body)
        self.answered(head.split(b"\r\n", 1)[0][:80].decode("latin-1"), time.perf_counter() - start, status, content,
                      expected)

    def figures(self):
        return (f"{sum(self.statuses.values())} requests, statuses {dict(sorted(self.statuses.items()))}, "
                f"slowest {self.slowest[0] * 1000:.0f} ms ({self.slowest[1]})")

    def report(self, figures, scenario, more=""):
        """Checks the pool is unharmed and records the scenario's figures (`more` first)."""
        figures(scenario, more + self.figures() + "; " + self.pool_unharmed())

    def pool_unharmed(self):
        """No worker died while the attacks ran; the pool answers; every worker's peak is in bound."""
        log = self.stack.log()[self.log_start:]
        assert " died (" not in log, [line for line in log.splitlines() if " died (" in line]
        assert self.stack.get("/health").status_code == 200
        peaks = {pid: peak_rss_mb(pid) for pid in self.stack.worker_pids()}
        assert max(peaks.values()) < WORKER_MEMORY_BOUND_MB, peaks
        return f"no worker lost, peak worker memory {max(peaks.values()):.0f} MB"


@pytest.fixture(scope="module")
def tenants(stack, admin):
    """Tenant A with an account, a batch, a job and a call; tenant B; a revoked key of A's."""
    a = new_account(stack, admin, initial_credits=1000.0)
    _, batch = campaign(stack, admin, ["+56912345670", "+56912345671"], account=a)
    dispatch(stack)
    job = stack.api("GET", f"/api/v1/batches/{batch['batch_id']}/jobs", admin).json()["jobs"][0]
    call = stack.api("GET", f"/api/v1/calls/history?account_id={a['account_id']}", admin).json()["calls"][0]
    b = new_account(stack, admin, initial_credits=1000.0)
    description = "revoked-" + uuid.uuid4().hex[:8]
    revoked = stack.cli("keys", "create", "--account", a["account_id"], "--description", description)
    key_id = next(line.split("\t")[0] for line in stack.cli("keys", "list").splitlines() if description in line)
    stack.cli("keys", "revoke", key_id)
    return {"account": a, "batch": batch, "job": job, "call": call, "key_a": stack.create_key(a["account_id"]),
            "key_b": stack.create_key(b["account_id"]), "account_b": b, "revoked": revoked}


def concrete(path, tenants, ids=None):
    """The path with tenant A's ids (or `ids`: {"accounts": …, "batches": …, …}) in its parameters."""
    values = {"accounts": tenants["account"]["account_id"], "batches": tenants["batch"]["batch_id"],
              "jobs": tenants["job"]["job_id"], "do-not-call": "+56912345670", "calls": tenants["call"]["call_id"]}
    values.update(ids or {})
    return re.sub(r"/([a-z-]+)/\{[a-z_]+\}", lambda match: f"/{match.group(1)}/{values[match.group(1)]}", path)


def table_counts(stack):
    return stack.psql("SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM batches), (SELECT count(*) FROM jobs),"
                      " (SELECT count(*) FROM credit_transactions), (SELECT count(*) FROM do_not_call),"
                      " (SELECT count(*) FROM calls)")


# Credentials ----------------------------------------------------------------------------------------

WRONG_CREDENTIALS = ["", "Bearer", "Bearer ", "Bearer  ", "bearer", "Basic YWRtaW46YWRtaW4=", "Token sk_x",
                     "Bearer sk_" + "x" * 43, "Bearer " + "x" * 4000, "Bearer a b", "Bearer sk_\u00e9",
                     "Bearer ' OR '1'='1", "Bearer %00", "Bearer\tsk_x", "Bearer sk_x,Bearer sk_y"]


def test_every_keyed_route_refuses_every_wrong_credential_and_revoked_keys(stack, tenants, figures):
    probe = Probe(stack)
    for method, path, operation in operations():
        if path in UNKEYED:
            continue
        target = concrete(path, tenants)
        for credential in WRONG_CREDENTIALS:
            headers = {"Authorization": credential.encode("utf-8")} if credential else {}
            # A body that cannot be parsed: the 401 comes before it is read.
            probe.send(method, target, {401}, headers={**headers, "Content-Type": "application/json"},
                       data=b"{not json")
        probe.send(method, target, {401}, key=tenants["revoked"])
    probe.report(figures, "hostile: wrong credentials and revoked keys on every keyed route")


# Another tenant's ids -------------------------------------------------------------------------------

def other_tenants_ids(tenants):
    """Tenant A's ids in both forms (the readable id and `_id`), per path segment."""
    return {"accounts": [tenants["account"]["account_id"], tenants["account"]["_id"]],
            "batches": [tenants["batch"]["batch_id"], tenants["batch"]["_id"]],
            "jobs": [tenants["job"]["job_id"], tenants["job"]["_id"]], "calls": [tenants["call"]["call_id"]]}


# A valid body for each JSON route with an id: the tenant is the only thing wrong with the request.
VALID_BODIES = {"/api/v1/accounts/{id}": {"account_name": "Otra"}, "/api/v1/accounts/{id}/topup": {"credits": 1},
                "/api/v1/accounts/{id}/suspend": {"reason": "x"}, "/api/v1/accounts/{id}/do-not-call": {"phones": ["+56912345679"]},
                "/api/v1/batches/{id}": {"name": "Otra"}}


def test_another_tenants_ids_in_paths_queries_and_forms_find_nothing(stack, admin, tenants, figures):
    probe, key_b = Probe(stack), tenants["key_b"]
    counts = table_counts(stack)
    forms = other_tenants_ids(tenants)
    secrets = [form for values in forms.values() for form in values]

    def nothing_of_a(response):
        assert not any(secret in response.text for secret in secrets), response.text[:300]

    for method, path, operation in operations():
        if path in UNKEYED:
            continue
        segments = [segment for segment in forms if f"/{segment}/{{" in path]
        for segment in segments:
            for form in forms[segment]:
                target = concrete(path, tenants, {segment: form})
                # Admin-only routes refuse an account key first (403); the rest find nothing (404).
                body = {"json": VALID_BODIES.get(path)} if body_kind(operation) == "json" else \
                    {"files": {"file": ("numeros.csv", b"telefono\n912345679\n")}} if body_kind(operation) else {}
                nothing_of_a(probe.send(method, target, documented(operation) & {403, 404}, key=key_b, **body))
        if method == "GET" and not segments:
            names = {parameter.get("name") or parameter["$ref"].rsplit("/", 1)[-1]
                     for parameter in operation.get("parameters", [])}
            for name, values in (("AccountFilter", forms["accounts"]), ("account_id", forms["accounts"]),
                                 ("BatchFilter", forms["batches"]), ("job_id", forms["jobs"])):
                if name in names:
                    query = {"AccountFilter": "account_id", "BatchFilter": "batch_id"}.get(name, name)
                    for value in values:
                        nothing_of_a(probe.send(method, f"{path}?{query}={value}", {200} | documented(operation),
                                                key=key_b))
    a = tenants["account"]["account_id"]
    for endpoint in ["/api/v1/batches/excel/preview", "/api/v1/batches/excel/create", "/api/v1/batches/chile/marketing"]:
        for form in forms["accounts"]:
            nothing_of_a(probe.send("POST", endpoint, {404}, key=key_b, files={"file": ("a.csv", b"RUT;Celular\n")},
                                    data={"account_id": form, **({"company_name": "X", "offer_description": "Y"}
                                                                 if "chile" in endpoint else {})}))
    nothing_of_a(probe.send("POST", "/api/v1/batches", {404}, key=key_b, json={"account_id": a, "name": "x"}))
    assert table_counts(stack) == counts
    probe.report(figures, "hostile: another tenant's ids in paths, queries and forms")


# Malformed ids, traversal, injection in paths and queries ----------------------------------------------

# (A bare ".." is resolved by the client before it is sent; the raw requests below send it.)
MALFORMED_IDS = ["%00", "%2500", "..%2F..%2Fetc%2Fpasswd", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "%27%20OR%20%271%27%3D%271",
                 "1%3B%20DROP%20TABLE%20jobs%3B--", "%7B%22%24gt%22%3A%22%22%7D", "%FF%FE", "%C0%AF", "%F0%9F%98%80",
                 "e%CC%81", "%E2%80%AE", "x" * 300, "-1", "0", "9" * 40, "000000000000000000000000", "%20", "null",
                 "undefined", "%0D%0ASet-Cookie:%20a=b", "%5C..%5C..%5Cwindows", "%3Cscript%3E"]


def test_every_id_form_in_every_path_gets_a_documented_4xx(stack, admin, tenants, figures):
    probe = Probe(stack)
    counts = table_counts(stack)
    for method, path, operation in operations():
        segments = re.findall(r"/([a-z-]+)/\{[a-z_]+\}", path)
        for segment in segments:
            for bad in MALFORMED_IDS:
                response = probe.send(method, concrete(path, tenants, {segment: bad}), documented(operation) | {404},
                                      key=admin, **({"json": {}} if body_kind(operation) == "json" else {}))
                assert "Set-Cookie" not in response.headers
    # Raw dot segments: nginx resolves them, so they leave the API (nginx's JSON 404) or stay in it.
    for raw in [b"/api/v1/batches/../../../etc/passwd", b"/api/v1/accounts/..%2f..%2f..%2fetc%2fpasswd",
                b"/api/v1/jobs/%2e%2e/%2e%2e/internal/status", b"/api/v1/../../internal/status?full"]:
        probe.raw(b"GET " + raw + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin.encode() +
                  b"\r\nConnection: close\r\n\r\n", b"", {400, 404})
    assert table_counts(stack) == counts
    probe.report(figures, "hostile: malformed ids, traversal and injection in paths")


EXTREMES = ["-1", "0", "1", "1000", "1001", "10000000", "10000001", str(2**31), str(2**63), "1" + "0" * 30, "abc",
            "1e3", "1.5", "0x10", "+5", "%205", "5%00", "%FF", "", "'", "1;DROP%20TABLE%20jobs"]
INJECTIONS = ["%27%20OR%20%271%27%3D%271", "1%3B%20DROP%20TABLE%20jobs%3B--", "%7B%22%24ne%22%3Anull%7D",
              "%00", "%0D%0AX-Injected:%201", "%E2%80%AE%F0%9F%98%80", "x" * 2000]


def test_limit_skip_extremes_and_injection_in_every_query_parameter(stack, admin, tenants, figures):
    probe = Probe(stack)
    for method, path, operation in operations():
        if method != "GET":
            continue
        target = concrete(path, tenants)
        names = [parameter.get("name") or {"Limit": "limit", "Skip": "skip", "AccountFilter": "account_id",
                                           "BatchFilter": "batch_id"}.get(parameter["$ref"].rsplit("/", 1)[-1])
                 for parameter in operation.get("parameters", []) if parameter.get("in", "query") == "query"]
        for name in filter(None, names):
            for value in (EXTREMES if name in ("limit", "skip") else INJECTIONS):
                response = probe.send(method, f"{target}?{name}={value}", {200} | documented(operation), key=admin)
                assert "X-Injected" not in response.headers
                if response.status_code == 200 and name == "limit" and "json" in response.headers["Content-Type"]:
                    listed = [item for item in response.json().values() if isinstance(item, list)]
                    assert all(len(items) <= 1000 for items in listed), (target, value)
    probe.report(figures, "hostile: limit/skip extremes and injection in query parameters")


# JSON bodies --------------------------------------------------------------------------------------

def nested(depth):
    return b"[" * depth + b"]" * depth


MALFORMED_BODIES = {
    "empty": b"", "truncated": b'{"a": ', "bare word": b"nul", "single quotes": b"{'a': 1}", "trailing garbage": b'{"a":1}x',
    "two documents": b"{}{}", "leading zero": b'{"a": 01}', "huge exponent": b'{"a": 1e999999}',
    "a 100,000-digit number": b'{"a": ' + b"9" * 100_000 + b"}", "NaN": b'{"a": NaN}', "lone surrogate": b'{"a": "\\ud800"}',
    "escaped NUL": b'{"account_name": "a\\u0000b"}', "raw NUL": b'{"a": "a\x00b"}', "NUL between tokens": b'{"a":\x001}',
    "invalid UTF-8": b'{"account_name": "\xff\xfe"}', "overlong UTF-8": b'{"a": "\xc0\xaf"}', "a UTF-16 body": '{"a":1}'.encode("utf-16"),
    "control character": b'{"a": "\x01"}', "deep arrays": nested(100_000), "deep objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "80,000 keys": wide_object(80_000).encode(), "duplicate keys": b'{"a": 1, "a": 2}', "an array": b"[]", "a string": b'"x"',
    "unterminated string": b'{"a": "abc', "comment": b'{/*x*/"a":1}',
}
CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml",
                 "text/json", None]


def json_routes(tenants):
    for method, path, operation in operations():
        if body_kind(operation) == "json":
            yield method, concrete(path, tenants), operation


def signed(path, body):
    """The webhook route checks its signature before it reads the body: the attack is signed."""
    return {"x-retell-signature": signature(body)} if path == "/api/v1/webhooks/retell" else {}


def test_malformed_deep_wide_and_oversized_json_on_every_json_route(stack, admin, tenants, figures):
    probe = Probe(stack)
    counts = table_counts(stack)
    for method, path, operation in json_routes(tenants):
        optional = not operation["requestBody"].get("required", False)
        for name, body in MALFORMED_BODIES.items():
            # An optional body may be absent: then the request is a valid one.
            expected = {200, 400} if optional and name == "empty" else {400}
            probe.send(method, path, expected, key=admin, data=body,
                       headers={"Content-Type": "application/json", **signed(path, body)})
        for content_type in CONTENT_TYPES:
            body = b"{}"
            probe.send(method, path, {400, 415}, key=admin, data=body,
                       headers={**({"Content-Type": content_type} if content_type else {}), **signed(path, body)})
        over = b'{"a": "' + b"x" * (1 << 20) + b'"}'
        probe.send(method, path, {413}, key=admin, data=over, headers={"Content-Type": "application/json",
                                                                      **signed(path, over)})
    assert table_counts(stack) == counts
    stack.api("PUT", f"/api/v1/accounts/{tenants['account']['account_id']}/activate", admin)  # the empty suspension
    probe.report(figures, "hostile: malformed, deep, wide and oversized JSON on every JSON route")


def string_limits(schema_name):
    """The free-text fields of a schema and their limits (ids, e-mails and phones have their own forms)."""
    properties = OPENAPI["components"]["schemas"][schema_name].get("properties", {})
    return {name: spec["maxLength"] for name, spec in properties.items()
            if "maxLength" in spec and "[^\\u0000-\\u001f\\u007f]{0," in spec.get("pattern", "")}


def field_errors(response):
    return {error["field"] for error in response.json().get("errors", [])} if response.status_code == 400 else set()


def test_every_string_field_at_its_limit_in_emoji_and_combining_marks_and_with_nul(stack, admin, tenants, figures):
    probe = Probe(stack)
    emoji, combining = "\U0001F600", "e\u0301"  # one code point of 4 UTF-8 bytes; two code points shown as one
    for method, path, operation in json_routes(tenants):
        schema = operation["requestBody"]["content"]["application/json"]["schema"].get("$ref", "").rsplit("/", 1)[-1]
        for field, limit in (string_limits(schema) if schema else {}).items():
            at_limit = [emoji * limit, (combining * limit)[:limit]]
            over = [emoji * (limit + 1), (combining * limit)[:limit + 1], "a\u0000b", "\u0000"]
            for value in at_limit:
                response = probe.send(method, path, {200, 201} | documented(operation), key=admin, json={field: value})
                assert field not in field_errors(response), (path, field, len(value), response.text[:300])
            for value in over:
                response = probe.send(method, path, documented(operation), key=admin, json={field: value})
                # A NUL is refused by the parser, before any field is read.
                assert field in field_errors(response) or \
                    ("\u0000" in value and response.json()["code"] == "INVALID_JSON"), (path, field, value[:5], response.text[:300])
    probe.report(figures, "hostile: string fields at their limits (emoji, combining marks) and NUL")


def test_sql_and_header_injection_in_bodies_is_stored_as_text(stack, admin, figures):
    probe = Probe(stack)
    for value in ["'; DROP TABLE accounts; --", "\" OR 1=1 --", "\r\nSet-Cookie: a=b", "${jndi:ldap://x/a}",
                  "<script>alert(1)</script>", '{"$gt": ""}', "\\", "%s%n%x"]:
        created = probe.send("POST", "/api/v1/accounts", {201}, key=admin,
                             json={"account_name": value, "contact_name": value, "contact_email": "a@b.cl"})
        assert "Set-Cookie" not in created.headers
        account = created.json()["account"]
        read = probe.send("GET", f"/api/v1/accounts/{account['account_id']}", {200}, key=admin).json()
        assert read["account_name"] == value.strip() == read["contact_name"], read  # trimmed, else as sent
    assert stack.psql("SELECT count(*) FROM pg_tables WHERE tablename IN ('accounts', 'jobs')") == "2"
    probe.report(figures, "hostile: SQL and header injection in bodies")


def test_header_injection_and_malformed_requests_get_json_400s(stack, admin, figures):
    probe = Probe(stack)
    key = admin.encode()
    for head in [b"GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + b"\r\nX-A: a\r\n b\r\n",
                 b"GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + b"\x00\r\n",
                 b"GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70_000 + b"\r\n",
                 b"GET /api/v1/accounts\x00 HTTP/1.1\r\nHost: x\r\n",
                 b"GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n",
                 b"POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"]:
        probe.raw(head + b"Connection: close\r\n\r\n", b"0\r\n\r\n" if b"chunked" in head else b"", {400, 401})
    probe.report(figures, "hostile: malformed requests and header injection")


# Uploads ------------------------------------------------------------------------------------------

def xlsx_with(sheet: bytes, shared: bytes = None) -> bytes:
    """chile.xlsx with its first sheet (and its shared strings) replaced."""
    source = zipfile.ZipFile(FIXTURES / "contacts" / "chile.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                target.writestr(item.filename, sheet)
            elif item.filename == "xl/sharedStrings.xml" and shared is not None:
                target.writestr(item.filename, shared)
            else:
                target.writestr(item, source.read(item.filename))
    return buffer.getvalue()


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
          b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)) +
          b"]>" + SHEET % b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>')
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' +
            SHEET % b'<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>')
FORMULA_CELLS = SHEET % (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>RUT</t></is></c><c r="B1" t="inlineStr"><is><t>Nombre</t></is></c>'
    b'<c r="C1" t="inlineStr"><is><t>Celular</t></is></c></row>'
    b'<row r="2"><c r="A2" t="str"><f>CONCATENATE("12.345.678","-5")</f><v>12.345.678-5</v></c>'
    b'<c r="B2" t="str"><f>HYPERLINK("http://x","Ana")</f><v>Ana</v></c><c r="C2"><f>912345670</f><v>912345670</v></c></row>')
FORMULAS_CSV = ("RUT;Nombre;Celular\n12.345.678-5;=HYPERLINK(\"http://x\",\"Ana\");912345670\n"
                "11.111.111-1;+cmd|' /C calc'!A0;912345671\n22.222.222-2;@SUM(1+1);912345672\n").encode()


def wrong_crc(archive: bytes, name=b"xl/worksheets/sheet1.xml") -> bytes:
    """`archive` with the CRC-32 of the part `name` changed in both its headers."""
    data = bytearray(archive)
    for signature, crc_at, name_at in ((b"PK\x03\x04", 14, 30), (b"PK\x01\x02", 16, 46)):
        start = data.find(signature)
        while start >= 0:
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + crc_at] ^= 0xFF
            start = data.find(signature, start + 4)
    return bytes(data)


def binary_junk():
    generator = random.Random(12)
    return bytes(generator.randrange(256) for _ in range(50_000))


# (what, file name, content, status, code): every file a worker may be sent, and its answer.
UPLOADS = [
    ("a corrupt zip", "lista.xlsx", lambda: b"PK\x03\x04" + binary_junk(), 400, "INVALID_FILE"),
    ("a truncated zip", "lista.xlsx", lambda: (FIXTURES / "spreadsheets" / "truncated.xlsx").read_bytes(), 400, "INVALID_FILE"),
    # Its sheet declares 1,000 bytes and inflates to 500 KB: the reader counts what it inflates, not
    # what the zip claims, reads the whole sheet and finds no phone column in it.
    ("a zip whose sizes lie", "lista.xlsx", lambda: (FIXTURES / "spreadsheets" / "bomb_lying.xlsx").read_bytes(), 400,
     "MISSING_COLUMNS"),
    ("a zip whose directory points outside it", "lista.xlsx",
     lambda: (FIXTURES / "spreadsheets" / "bad_directory_offset.xlsx").read_bytes(), 400, "INVALID_FILE"),
    ("a zip with a wrong CRC", "lista.xlsx", lambda: wrong_crc(xlsx_with(SHEET % b"")), 400, "INVALID_FILE"),
    ("a zip that is no workbook", "lista.xlsx", lambda: (FIXTURES / "spreadsheets" / "not_a_workbook.zip").read_bytes(),
     415, "UNSUPPORTED_FILE_TYPE"),
    ("a zip bomb in the sheet", "lista.xlsx", bomb, 400, "INVALID_FILE"),
    ("a zip bomb in the shared strings", "lista.xlsx", lambda: shared_strings_bomb(80 << 20), 400, "INVALID_FILE"),
    ("XML entity expansion", "lista.xlsx", lambda: xlsx_with(LAUGHS), 400, "INVALID_FILE"),
    ("an XML external entity", "lista.xlsx", lambda: xlsx_with(EXTERNAL), 400, "INVALID_FILE"),
    ("10,000 columns", "lista.csv",
     lambda: (";".join(["RUT", "Celular"] + [f"c{n}" for n in range(9_998)]) + "\n12.345.678-5;912345670;" +
              ";".join("x" * 9_998) + "\n").encode(), 400, "INVALID_FILE"),
    ("200,001 rows", "lista.csv", too_many_rows, 400, "TOO_MANY_ROWS"),
    ("binary junk", "lista.csv", binary_junk, 415, "UNSUPPORTED_FILE_TYPE"),
    ("HTML named .xls", "lista.xls", lambda: b"<html><body><table><tr><td>RUT</td><td>Celular</td></tr></table></body></html>",
     415, "UNSUPPORTED_FILE_TYPE"),
    ("a PDF named .csv", "lista.csv", lambda: (FIXTURES / "spreadsheets" / "document.pdf").read_bytes(), 415,
     "UNSUPPORTED_FILE_TYPE"),
]


def test_every_broken_lying_or_malicious_file_gets_its_4xx_and_writes_nothing(stack, admin, tenants, figures):
    probe = Probe(stack)
    counts = table_counts(stack)
    account = tenants["account_b"]["account_id"]
    seen, wrong = [], []
    for what, name, content, status, code in UPLOADS:
        data = content()
        for endpoint in ["/api/v1/batches/excel/preview", "/api/v1/batches/excel/create", "/api/v1/batches/chile/marketing"]:
            fields = {"account_id": account, **({"company_name": "X", "offer_description": "Y"} if "chile" in endpoint else {})}
            response = probe.send("POST", endpoint, {200, 201, 400, 413, 415}, key=admin, files={"file": (name, data)},
                                  data=fields, timeout=120)
            if (response.status_code, response.json().get("code")) != (status, code):
                wrong.append((what, endpoint, response.status_code, response.text[:200]))
            assert "root:" not in response.text
        seen.append(what)
    assert not wrong, wrong
    assert table_counts(stack) == counts
    probe.report(figures, "hostile: broken, lying and malicious files", f"{len(seen)} kinds ({', '.join(seen)}); ")


def test_utf16_csv_formulas_formula_cells_and_nul_in_cells_are_read_as_text(stack, admin, tenants, figures):
    probe = Probe(stack)
    account = tenants["account_b"]["account_id"]
    utf16 = "\ufeffRUT\tCelular\n12.345.678-5\t912345670\n".encode("utf-16-le")
    preview = probe.send("POST", "/api/v1/batches/excel/preview", {200}, key=admin,
                         files={"file": ("lista.csv", utf16)}, data={"account_id": account}).json()
    assert preview["preview"]["contacts"] == 1, preview
    cells = probe.send("POST", "/api/v1/batches/excel/preview", {200}, key=admin,
                       files={"file": ("lista.xlsx", xlsx_with(FORMULA_CELLS))}, data={"account_id": account}).json()
    assert cells["preview"]["contacts"] == 1 and "Ana" in json.dumps(cells), cells
    created = probe.send("POST", "/api/v1/batches/excel/create", {201}, key=admin,
                         files={"file": ("lista.csv", FORMULAS_CSV)},
                         data={"account_id": account, "allow_duplicates": "true"}).json()
    report = probe.send("GET", f"/api/v1/batches/{created['batch_id']}/report.csv", {200}, key=admin).text
    # A text that a spreadsheet would run is exported with a leading apostrophe: shown, never run.
    cells = {cell for row in csv.reader(io.StringIO(report)) for cell in row}
    for formula in ['=HYPERLINK("http://x","Ana")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]:
        assert f"'{formula}" in cells and formula not in cells, (formula, report[-600:])
    # A NUL in a cell (xlsx's _x0000_, a BIFF string, a UTF-16 CSV; found by scripts/fuzz.sh) is dropped:
    # before, it reached PostgreSQL and the whole import failed with a 500.
    for name in ["csv-nul-in-text.bin", "xls-nul-in-text.bin", "xlsx-nul-in-text.bin"]:
        created = probe.send("POST", "/api/v1/batches/excel/create", {201}, key=admin,
                             files={"file": ("lista", (FIXTURES / "fuzz" / name).read_bytes())},
                             data={"account_id": account, "allow_duplicates": "true"}).json()
        jobs = probe.send("GET", f"/api/v1/batches/{created['batch_id']}/jobs", {200}, key=admin).json()["jobs"]
        assert [job["contact"]["name"] for job in jobs] == ["AnaMaria"], jobs
    probe.report(figures, "hostile: UTF-16 CSV, formulas, formula cells and NUL in cells")


def multipart(parts, boundary=b"b0undary", closing=True):
    body = b""
    for headers, content in parts:
        body += b"--" + boundary + b"\r\n" + b"".join(header + b"\r\n" for header in headers) + b"\r\n" + content + b"\r\n"
    return body + (b"--" + boundary + b"--\r\n" if closing else b"")


def field(name, value):
    return ([b'Content-Disposition: form-data; name="' + name + b'"'], value)


def file_part(name=b"lista.csv", content=b"RUT;Celular\n12.345.678-5;912345670\n"):
    return ([b'Content-Disposition: form-data; name="file"; filename="' + name + b'"', b"Content-Type: text/csv"], content)


def test_broken_multipart_bodies_get_json_400s(stack, admin, tenants, figures):
    probe = Probe(stack)
    counts = table_counts(stack)
    account = tenants["account_b"]["account_id"].encode()
    good = [field(b"account_id", account), file_part()]
    cases = {
        "a boundary the body does not use": (b"multipart/form-data; boundary=other", multipart(good)),
        "no boundary": (b"multipart/form-data", multipart(good)),
        "an empty boundary": (b"multipart/form-data; boundary=", multipart(good)),
        "a boundary over 70 characters": (b"multipart/form-data; boundary=" + b"b" * 71, multipart(good, b"b" * 71)),
        "no closing delimiter": (b"multipart/form-data; boundary=b0undary", multipart(good, closing=False)),
        "a body cut in a part": (b"multipart/form-data; boundary=b0undary", multipart(good)[:-40]),
        "two files": (b"multipart/form-data; boundary=b0undary", multipart(good + [file_part()])),
        "two account_id fields": (b"multipart/form-data; boundary=b0undary", multipart([field(b"account_id", account)] + good)),
        "a part without Content-Disposition": (b"multipart/form-data; boundary=b0undary",
                                               multipart(good + [([b"Content-Type: text/plain"], b"x")])),
        "a part without a name": (b"multipart/form-data; boundary=b0undary",
                                  multipart(good + [([b"Content-Disposition: form-data"], b"x")])),
        "a 100 KB part header": (b"multipart/form-data; boundary=b0undary",
                                 multipart(good + [([b"X-Long: " + b"a" * 100_000], b"x")])),
        "a NUL in a field": (b"multipart/form-data; boundary=b0undary",
                             multipart([field(b"account_id", account), field(b"batch_name", b"a\x00b"), file_part()])),
        "invalid UTF-8 in a field": (b"multipart/form-data; boundary=b0undary",
                                     multipart([field(b"account_id", account), field(b"batch_name", b"\xff\xfe"), file_part()])),
        "garbage before the first boundary only": (b"multipart/form-data; boundary=b0undary", b"junk" * 100),
    }
    wrong = []
    for what, (content_type, body) in cases.items():
        for endpoint in ["/api/v1/batches/excel/preview", "/api/v1/batches/excel/create"]:
            response = probe.send("POST", endpoint, {200, 201, 400}, key=admin, data=body,
                                  headers={"Content-Type": content_type})
            if response.status_code != 400:
                wrong.append((what, endpoint, response.status_code, response.text[:200]))
    assert not wrong, wrong
    # A file name is never a path: one with traversal is read like any other.
    traversal = multipart([field(b"account_id", account), file_part(b"../../../../etc/passwd.csv")])
    probe.send("POST", "/api/v1/batches/excel/preview", {200}, key=admin, data=traversal,
               headers={"Content-Type": b"multipart/form-data; boundary=b0undary"})
    assert table_counts(stack) == counts
    probe.report(figures, "hostile: broken multipart bodies", f"{len(cases)} kinds; ")
