"""The nginx site (nginx/speechai-*.conf) through the real stack: every answer nginx makes itself is
the API's JSON error shape with the right status, methods nginx refuses carry Allow, /internal/ is
loopback only, the time limits agree with the pool's, the API documentation is served from this
machine, and the React console can be served on the same origin."""
import http.client
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, wait_until
from test_foundation import SourceAddressAdapter

NGINX = ROOT / "nginx"
LOCATIONS = NGINX / "speechai-locations.conf"
ERRORS = ROOT / "public" / "errors"
UPLOAD = "/api/v1/batches/excel/create"
REPORT = "/api/v1/batches/batch-2025-01-01-000000-000000/report.csv"


def send(stack, method, path, headers=None, body=None):
    """One request exactly as given (http.client sends any method and any header) and its response."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=15)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def send_head_only(stack, method, path, headers):
    """A request's head without its body: nginx judges Content-Length before any body arrives."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=15)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def assert_json_error(status, headers, body, expected_status, code):
    assert status == expected_status, (status, body[:300])
    assert headers["Content-Type"].startswith("application/json"), headers["Content-Type"]
    error = json.loads(body)
    assert error["code"] == code and error["message"] and error["detail"], error
    return error


def restart_nginx(stack, **env):
    stack.run("nginx-stop")
    stack.run("nginx-start", env)
    wait_until(lambda: stack.get("/health").status_code == 200, "nginx serving")


def directives(text):
    """The configuration's directives as (enclosing blocks, name, arguments), comments dropped."""
    found, blocks, words = [], [], []
    for token in re.findall(r'"[^"]*"|\'[^\']*\'|[{};]|[^\s{};]+', re.sub(r"#[^\n]*", "", text)):
        if token == "{":
            blocks.append(" ".join(words))
            words = []
        elif token == "}":
            blocks.pop()
        elif token == ";":
            found.append((tuple(blocks), words[0], words[1:]))
            words = []
        else:
            words.append(token)
    return found


# Errors nginx answers itself ----------------------------------------------------------------------

def test_every_error_file_is_wired_and_every_error_page_has_its_file():
    pages = {int(arguments[0]): arguments[-1] for blocks, name, arguments in directives(LOCATIONS.read_text())
             if name == "error_page" and not blocks and not arguments[-1].startswith("@")}
    files = {int(path.stem) for path in ERRORS.glob("*.json")}
    # 405 has its own route (below): it ends at /errors/405.json through @method_not_allowed.
    assert set(pages) | {405} == files
    for status, uri in pages.items():
        assert uri == f"/errors/{status}.json"
    for path in ERRORS.glob("*.json"):
        error = json.loads(path.read_text())
        assert set(error) == {"detail", "message", "code"} and re.fullmatch(r"[A-Z_]+", error["code"]), path


@pytest.mark.parametrize("path", ["/no-such-page", "/docs/missing.js", "/docs/assets/missing.js",
                                  "/redoc/assets/missing.js", "/redoc/missing.html", "/errors/404.json"])
def test_a_missing_static_file_is_a_json_404(stack, path):
    assert_json_error(*send(stack, "GET", path), 404, "NOT_FOUND")


def test_a_body_over_the_upload_limit_is_a_json_413_before_it_is_sent(stack, admin):
    head = {"Authorization": f"Bearer {admin}", "Content-Type": "multipart/form-data; boundary=x"}
    assert_json_error(*send_head_only(stack, "POST", UPLOAD, {**head, "Content-Length": str(21 << 20)}),
                      413, "PAYLOAD_TOO_LARGE")
    assert_json_error(*send_head_only(stack, "POST", "/api/v1/accounts", {**head, "Content-Length": str(2 << 20)}),
                      413, "PAYLOAD_TOO_LARGE")


def test_a_body_under_the_upload_limit_reaches_the_pool(stack, admin):
    # 19 MB of something that is not a workbook: the pool's own 400, not nginx's 413.
    status, headers, body = send(stack, "POST", UPLOAD, body=b"x" * (19 << 20), headers={
        "Authorization": f"Bearer {admin}", "Content-Type": "multipart/form-data; boundary=x"})
    assert status not in (413, 502, 504), body[:300]
    assert 400 <= status < 500 and json.loads(body)["message"]


def test_an_overlong_uri_and_overlong_headers_are_json(stack):
    assert_json_error(*send(stack, "GET", "/api/v1/accounts/" + "a" * 9000), 414, "URI_TOO_LONG")
    assert_json_error(*send(stack, "GET", "/health", headers={"X-Filler": "a" * 9000}), 400,
                      "REQUEST_HEADER_TOO_LARGE")


def test_the_pool_being_down_is_a_json_502(pool, admin):
    pool.stop_pool()
    key = {"Authorization": f"Bearer {admin}"}
    for method, path in [("GET", "/health"), ("GET", "/"), ("GET", "/api/v1/accounts"), ("GET", REPORT),
                         ("POST", UPLOAD), ("GET", "/internal/status"), ("TRACE", "/api/v1/accounts")]:
        error = assert_json_error(*send(pool, method, path, headers=key), 502, "BAD_GATEWAY")
        assert "may have taken effect" in error["message"]


def test_a_pool_slower_than_nginx_read_timeout_is_a_json_504(stack):
    # The shipped locations with the API routes' read timeout cut to 1 s (nothing else changed),
    # against the debug route that keeps a worker busy for 3 s.
    text = LOCATIONS.read_text()
    assert text.count("fastcgi_read_timeout 125s;") == 1
    with tempfile.TemporaryDirectory() as directory:
        variant = Path(directory) / "speechai-locations.conf"
        variant.write_text(text.replace("fastcgi_read_timeout 125s;", "fastcgi_read_timeout 1s;"))
        restart_nginx(stack, NGINX_LOCATIONS=str(variant))
        try:
            started = time.monotonic()
            status, headers, body = send(stack, "GET", "/internal/debug/sleep?seconds=3")
            elapsed = time.monotonic() - started
        finally:
            restart_nginx(stack)
    error = assert_json_error(status, headers, body, 504, "GATEWAY_TIMEOUT")
    assert "may have taken effect" in error["message"]
    assert 0.9 < elapsed < 2.5, elapsed


# Methods -------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["TRACE", "CONNECT"])
def test_methods_nginx_refuses_on_api_routes_get_the_routes_allow(stack, method):
    for path in ("/api/v1/accounts", "/api/v1/accounts/acc-x/balance", "/health", "/"):
        # What the pool says of a method the route does not declare.
        _, pool_headers, _ = send(stack, "DELETE", path)
        status, headers, body = send(stack, method, path)
        assert_json_error(status, headers, body, 405, "METHOD_NOT_ALLOWED")
        assert headers["Allow"] == pool_headers["Allow"] and "GET" in headers["Allow"], (path, headers["Allow"])
        assert headers.get_all("Allow") == [headers["Allow"]]


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "POST", "PUT", "DELETE", "OPTIONS", "FROB"])
def test_methods_other_than_get_on_static_files_are_a_json_405_with_allow(stack, method):
    for path in ("/openapi.json", "/docs", "/docs/", "/docs/assets/swagger-ui-bundle.js", "/redoc",
                 "/redoc/assets/redoc.standalone.js"):
        status, headers, body = send(stack, method, path)
        assert_json_error(status, headers, body, 405, "METHOD_NOT_ALLOWED")
        assert headers.get_all("Allow") == ["GET, HEAD"], (method, path)


def test_an_unknown_method_on_an_api_route_reaches_the_pool(stack):
    status, headers, body = send(stack, "FROB", "/api/v1/accounts")
    assert_json_error(status, headers, body, 405, "METHOD_NOT_ALLOWED")
    assert "FROB" in json.loads(body)["message"]
    assert set(headers["Allow"].split(", ")) == {"GET", "POST"}


def test_responses_other_than_nginx_405s_carry_no_allow(stack):
    for path in ("/health", "/openapi.json", "/docs", "/no-such-page"):
        assert "Allow" not in stack.get(path).headers, path


# /internal/ ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/internal/status", "/internal/metrics", "/internal/debug/sleep?seconds=0"])
def test_internal_is_refused_to_clients_that_are_not_loopback(stack, path):
    outside = requests.Session()
    outside.mount("http://", SourceAddressAdapter("127.0.0.2"))
    response = outside.get(stack.url(path), timeout=10)
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    # From 127.0.0.1 the pool answers (whatever it has at that path), not nginx's 403.
    assert stack.get(path).status_code != 403


# Time limits ---------------------------------------------------------------------------------

def test_nginx_waits_for_the_pool_a_little_longer_than_the_pool_lets_a_request_run():
    environment = (ROOT / "systemd" / "speechai.env.example").read_text()
    pool_limit = int(re.search(r"^SPEECHAI_REQUEST_TIME_LIMIT=(\d+)$", environment, re.M).group(1))
    timeouts = {}
    for blocks, name, arguments in directives(LOCATIONS.read_text()):
        if name in ("fastcgi_read_timeout", "client_body_timeout"):
            timeouts[(blocks[-1] if blocks else "", name)] = int(arguments[0].rstrip("s"))
    api = timeouts[("", "fastcgi_read_timeout")]
    assert api == pool_limit + 5
    upload = next(value for (block, name), value in timeouts.items()
                  if name == "fastcgi_read_timeout" and "excel" in block)
    report = next(value for (block, name), value in timeouts.items()
                  if name == "fastcgi_read_timeout" and "report" in block)
    assert upload > api and report > api
    upload_body = next(value for (block, name), value in timeouts.items()
                       if name == "client_body_timeout" and "excel" in block)
    assert upload_body > timeouts[("", "client_body_timeout")]


# The API documentation -----------------------------------------------------------------------

def test_the_documentation_pages_load_only_files_of_this_server(stack):
    for page, assets in [("/docs", ["/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css",
                                    "/docs/swagger-init.js"]),
                         ("/redoc", ["/redoc/assets/redoc.standalone.js"])]:
        for url in (page, page + "/"):
            response = stack.get(url)
            assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
        html = stack.get(page).text
        references = re.findall(r'(?:src|href)="([^"]*)"', html)
        assert set(assets) <= set(references)
        assert all(reference.startswith("/") or reference == "data:," for reference in references), references
        for asset in assets:
            response = stack.get(asset)
            assert response.status_code == 200 and len(response.content) > 100, asset
            assert response.headers["Content-Type"].split(";")[0] in ("application/javascript", "text/css"), asset
    assert "/openapi.json" in stack.get("/docs/swagger-init.js").text
    assert 'spec-url="/openapi.json"' in stack.get("/redoc").text


def test_the_content_security_policy_names_no_other_origin(stack):
    policy = stack.get("/docs").headers["Content-Security-Policy"]
    sources = {source for directive in policy.split(";") for source in directive.split()[1:]}
    assert sources <= {"'self'", "'unsafe-inline'", "data:", "blob:"}, policy
    assert "script-src" not in policy and policy.startswith("default-src 'self'")


def test_the_production_site_passes_nginx_t_alone_and_with_the_console():
    # The site as installed (its snippets from this checkout), then with the console's two
    # commented-out lines in place of the speechai-root.conf include, as its comment says.
    site = (NGINX / "speechai.conf").read_text().replace("/etc/nginx/snippets/", f"{NGINX}/")
    # libfcgi serves one connection at a time (README, "Why no keep-alive").
    assert "fastcgi_keep_conn off" in (NGINX / "speechai-locations.conf").read_text()
    root = f"    include {NGINX}/speechai-root.conf;\n"
    console_lines = ["set $speechai_console_root /srv/speechai-console;", f"include {NGINX}/speechai-console.conf;"]
    assert site.count(root) == 1 and all(site.count(f"    #{line}\n") == 1 for line in console_lines)
    console = site.replace(root, "")
    for line in console_lines:
        console = console.replace(f"    #{line}\n", f"    {line}\n")
    for variant in (site, console):
        with tempfile.TemporaryDirectory() as directory:
            (Path(directory) / "speechai.conf").write_text(variant)
            (Path(directory) / "nginx.conf").write_text(
                f"pid {directory}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
                f"http {{ include /etc/nginx/mime.types; include {directory}/speechai.conf; }}\n")
            result = subprocess.run(["nginx", "-t", "-p", directory, "-c", f"{directory}/nginx.conf"],
                                    capture_output=True, text=True)
            assert result.returncode == 0, result.stderr


# The React console on the same origin ------------------------------------------------------------

INDEX = b"<!DOCTYPE html><title>console</title><div id=root></div><script src=/assets/app.js></script>\n"
APP = b"document.getElementById('root').textContent = 'console';\n"
AXIOS_ACCEPT = "application/json, text/plain, */*"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class TestConsoleOnTheSameOrigin:
    @pytest.fixture(scope="class", autouse=True)
    def console(self, stack):
        with tempfile.TemporaryDirectory() as build:
            (Path(build) / "assets").mkdir()
            (Path(build) / "index.html").write_bytes(INDEX)
            (Path(build) / "assets" / "app.js").write_bytes(APP)
            restart_nginx(stack, CONSOLE_ROOT=build)
            yield
            restart_nginx(stack)

    @pytest.mark.parametrize("path", ["/batches/123", "/login", "/jobs", "/accounts/acc-1/detail", "/index.html"])
    def test_client_side_routes_get_the_page(self, stack, path):
        status, headers, body = send(stack, "GET", path, headers={"Accept": BROWSER_ACCEPT})
        assert status == 200 and body == INDEX
        assert headers["Content-Type"].startswith("text/html")
        assert headers["Cache-Control"] == "no-cache"
        assert headers["X-Frame-Options"] == "DENY" and headers["Content-Security-Policy"]

    def test_the_build_files_are_served(self, stack):
        status, headers, body = send(stack, "GET", "/assets/app.js")
        assert status == 200 and body == APP
        assert headers["Content-Type"] == "application/javascript"

    @pytest.mark.parametrize("path", ["/assets/missing.js", "/favicon.ico", "/batches/123.json"])
    def test_a_missing_build_file_is_a_json_404_not_the_page(self, stack, path):
        assert_json_error(*send(stack, "GET", path), 404, "NOT_FOUND")

    def test_the_root_is_the_page_for_a_browser_and_the_api_description_for_the_console(self, stack):
        status, headers, body = send(stack, "GET", "/", headers={"Accept": BROWSER_ACCEPT})
        assert status == 200 and body == INDEX and headers["Vary"] == "Accept"
        status, headers, body = send(stack, "GET", "/", headers={"Accept": AXIOS_ACCEPT})
        assert status == 200 and headers["Vary"] == "Accept"
        assert set(json.loads(body)) == {"message", "version", "status", "docs"}

    def test_the_api_and_health_still_reach_the_pool(self, stack, admin):
        response = stack.api("GET", "/api/v1/accounts", admin, headers={"Accept": BROWSER_ACCEPT})
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
        response = stack.api("GET", "/api/v1/no-such-route", admin)
        assert response.status_code == 404 and "/api/v1/no-such-route" in response.json()["message"]
        assert stack.get("/health").json()["status"] == "healthy"
        assert stack.get("/openapi.json").json()["openapi"].startswith("3.1")
        assert b"swagger-ui-bundle.js" in stack.get("/docs").content

    def test_only_get_and_head_are_allowed_on_the_page(self, stack):
        status, headers, body = send(stack, "POST", "/batches/123", body=b"{}")
        assert_json_error(status, headers, body, 405, "METHOD_NOT_ALLOWED")
        assert headers["Allow"] == "GET, HEAD"

    def test_internal_stays_loopback_only(self, stack):
        outside = requests.Session()
        outside.mount("http://", SourceAddressAdapter("127.0.0.2"))
        assert outside.get(stack.url("/internal/status"), timeout=10).status_code == 403


def test_writes_and_uploads_are_rate_limited_per_client_with_a_json_429(stack, admin):
    """nginx/speechai-limits.conf as shipped: 20 writes a second with bursts of 40, 30 uploads a minute with bursts
    of 10, reads unlimited. Requests go back to back over one connection, far faster than the rates refill."""
    restart_nginx(stack, NGINX_LIMITS=str(NGINX / "speechai-limits.conf"))
    try:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {admin}"
            reads = [session.get(stack.url("/api/v1/use-cases"), timeout=10).status_code for _ in range(100)]
            assert 429 not in reads and set(reads) == {200}
            writes = [session.post(stack.url("/api/v1/accounts"), json={}, timeout=10) for _ in range(80)]
            statuses = [response.status_code for response in writes]
            assert set(statuses[:40]) == {400}, statuses  # the burst reaches the pool (which refuses the empty body)
            refused = [response for response in writes if response.status_code == 429]
            assert len(refused) >= 20, statuses
            for response in refused[:3]:
                assert_json_error(response.status_code, response.headers, response.content, 429, "RATE_LIMITED")
        time.sleep(2.1)  # the writes' bucket refills (40 at 20 a second)
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {admin}"
            uploads = [session.post(stack.url("/api/v1/batches/excel/preview"), files={"account_id": (None, "x")},
                                    timeout=10).status_code for _ in range(16)]
            assert 429 not in uploads[:11] and uploads[11:] == [429] * 5, uploads
    finally:
        restart_nginx(stack)
