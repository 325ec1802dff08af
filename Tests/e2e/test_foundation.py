"""The foundation through real nginx, the real pool and a real PostgreSQL."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests

from conftest import ROOT, process_alive, wait_until

RFC3339_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


# Endpoints -----------------------------------------------------------------------------------

def test_health_reports_a_connected_database(stack):
    for path in ("/health", "/api/v1/health"):
        response = stack.get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "healthy"
        assert body["database"] == "connected"
        assert RFC3339_MICROS.match(body["timestamp"]), body["timestamp"]
        assert response.headers["Content-Type"].startswith("application/json")


def test_root_describes_the_api(stack):
    body = stack.get("/").json()
    assert set(body) == {"message", "version", "status", "docs"}
    assert body["status"] == "active"


def test_security_headers_are_set(stack):
    headers = stack.get("/health").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Server" not in headers or "/" not in headers["Server"]


def test_unknown_path_is_a_json_404(stack):
    for path in ("/api/v1/no-such-thing", "/api/v1/health/extra"):
        response = stack.get(path)
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "NOT_FOUND" and body["message"]


def test_unknown_path_outside_the_api_is_a_json_404_from_nginx(stack):
    response = stack.get("/no-such-page")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_wrong_method_is_a_json_405_with_allow(stack):
    response = requests.delete(stack.url("/api/v1/health"), timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_nginx_refuses_a_2mb_body_on_a_1m_route(stack):
    response = requests.post(stack.url("/api/v1/health"), data=b"x" * (2 * 1024 * 1024), timeout=10)
    assert response.status_code == 413


def test_upload_routes_accept_bodies_past_1m(stack, admin):
    # The body passes nginx (the 20 MB limit) and reaches the pool, which answers in JSON: not a
    # multipart form.
    response = requests.post(stack.url("/api/v1/batches/excel/preview"), data=b"x" * (2 * 1024 * 1024),
                             headers={"Authorization": f"Bearer {admin}"}, timeout=10)
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_internal_status_has_php_fpm_fields(stack):
    status = stack.status()
    for field in ("pool", "process manager", "start time", "start since", "accepted conn", "listen queue",
                  "max listen queue", "listen queue len", "idle processes", "active processes",
                  "total processes", "max active processes", "max children reached", "slow requests"):
        assert field in status, field
    assert status["total processes"] == 4
    assert status["active processes"] >= 1  # the worker serving this request
    assert status["idle processes"] + status["active processes"] == status["total processes"]
    assert status["listen queue len"] >= 1
    before = status["accepted conn"]
    for _ in range(10):
        stack.get("/health")
    assert stack.status()["accepted conn"] >= before + 11
    processes = stack.status(full=True)["processes"]
    assert len(processes) == 4
    assert {"pid", "state", "requests", "request duration", "request method", "request uri"} <= set(processes[0])


def test_internal_status_is_refused_to_non_loopback_clients(stack):
    # 127.0.0.2 is a loopback address but not one nginx's allow list names.
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter("127.0.0.2"))
    assert session.get(stack.url("/internal/status"), timeout=10).status_code == 403
    assert session.get(stack.url("/health"), timeout=10).status_code == 200


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def test_slow_requests_are_counted_and_logged(pool):
    pool.start_pool(SPEECHAI_SLOW_REQUEST_SECONDS="0.2")
    assert pool.get("/internal/debug/sleep?seconds=0.3").status_code == 200
    assert pool.status()["slow requests"] == 1
    assert re.search(r"GET /internal/debug/sleep 200 \d+\.\d+ms pid=\d+ slow", pool.log())


def test_every_request_is_logged_with_status_duration_and_pid(stack):
    stack.get("/api/v1/logged-path-check")
    wait_until(lambda: re.search(r"GET /api/v1/logged-path-check 404 \d+\.\d\dms pid=\d+", stack.log()),
               "log line")


# The database going away and coming back ---------------------------------------------------

def test_postgres_outage_gives_fast_503s_and_recovers_without_restarting_the_pool(pool):
    pool_pid = pool.pool_pid()
    pids = pool.worker_pids()
    assert pool.get("/health").status_code == 200
    pool.stop_postgres()
    try:
        for path in ("/health", "/api/v1/health"):
            started = time.monotonic()
            response = pool.get(path)
            assert time.monotonic() - started < 2.0
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "unhealthy" and body["database"] == "disconnected"
        response = pool.get("/internal/debug/sleep?seconds=0")
        assert response.status_code == 503
        assert response.json()["code"] == "DATABASE_UNAVAILABLE"
        assert "postgres" not in response.text.lower()
    finally:
        pool.start_postgres()
    # The very first request after recovery succeeds, on every worker.
    for _ in range(20):
        assert pool.get("/health").status_code == 200
    assert pool.pool_pid() == pool_pid and process_alive(pool_pid)
    assert pool.worker_pids() == pids


# Worker lifecycle --------------------------------------------------------------------------

def test_a_killed_worker_is_replaced_and_requests_keep_succeeding(pool):
    victim = sorted(pool.worker_pids())[0]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: victim not in pool.worker_pids() and len(pool.worker_pids()) == 4, "replacement")
    for _ in range(100):
        assert pool.get("/health").status_code == 200
    assert re.search(rf"worker \d+ pid={victim} died \(signal 9\)", pool.log())


def test_workers_are_recycled_after_max_requests(pool):
    pool.start_pool(SPEECHAI_MAX_REQUESTS="5", SPEECHAI_WORKERS="2")
    first = pool.worker_pids()
    for _ in range(60):
        assert pool.get("/health").status_code == 200
    wait_until(lambda: len(pool.worker_pids()) == 2, "two workers")
    later = pool.worker_pids()
    assert first.isdisjoint(later)
    assert all(process["requests"] <= 5 for process in pool.status(full=True)["processes"])


def test_a_worker_stuck_past_the_time_limit_is_replaced(pool):
    pool.start_pool(SPEECHAI_REQUEST_TIME_LIMIT="1")
    before = pool.worker_pids()
    started = time.monotonic()
    response = pool.get("/internal/debug/sleep?seconds=10", timeout=20)
    assert response.status_code == 502  # nginx: the worker was killed mid-request
    assert time.monotonic() - started < 5
    wait_until(lambda: len(pool.worker_pids()) == 4, "replacement")
    assert len(before - pool.worker_pids()) == 1
    assert "exceeded the request time limit" in pool.log()
    assert pool.get("/health").status_code == 200


def test_sighup_replaces_every_worker_gracefully(pool):
    before = pool.worker_pids()
    result = {}
    slow = threading.Thread(target=lambda: result.update(r=pool.get("/internal/debug/sleep?seconds=1.5")))
    slow.start()
    wait_until(lambda: pool.status()["active processes"] >= 2, "slow request in flight")
    os.kill(pool.pool_pid(), signal.SIGHUP)
    errors = 0
    for _ in range(50):
        errors += pool.get("/health").status_code != 200
    slow.join()
    assert result["r"].status_code == 200
    assert errors == 0
    wait_until(lambda: len(pool.worker_pids()) == 4 and pool.worker_pids().isdisjoint(before), "all replaced")


def test_sigterm_finishes_the_request_in_flight_then_leaves_no_process(pool):
    supervisor = pool.pool_pid()
    workers = pool.worker_pids()
    result = {}
    slow = threading.Thread(target=lambda: result.update(r=pool.get("/internal/debug/sleep?seconds=2")))
    slow.start()
    wait_until(lambda: pool.status()["active processes"] >= 2, "slow request in flight")
    os.kill(supervisor, signal.SIGTERM)
    slow.join()
    assert result["r"].status_code == 200
    assert result["r"].json() == {"slept": "2"}
    wait_until(lambda: not process_alive(supervisor), "supervisor exit", timeout=10)
    assert not [pid for pid in workers if process_alive(pid)]
    assert not (pool.state / "run" / "fcgi.sock").exists()


def test_workers_die_with_a_killed_supervisor(pool):
    supervisor = pool.pool_pid()
    workers = pool.worker_pids()
    os.kill(supervisor, signal.SIGKILL)
    wait_until(lambda: not any(process_alive(pid) for pid in workers), "workers gone", timeout=10)


def test_a_pool_without_database_url_refuses_to_start(stack):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(SPEECHAI_LISTEN=str(Path(tempfile.mkdtemp()) / "x.sock"))
    result = subprocess.run([os.path.join(os.environ["BIN_DIR"], "speechai-fcgi")], env=env,
                            capture_output=True, text=True, timeout=10)
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


# Shipped configuration ---------------------------------------------------------------------

def test_shipped_systemd_units_verify():
    with tempfile.TemporaryDirectory() as directory:
        for unit in ("speechai-fcgi.service", "speechai-fcgi.socket", "speechai-dispatcher.service",
                     "speechai-dispatcher.timer"):
            text = (ROOT / "systemd" / unit).read_text()
            text = text.replace("/usr/local/bin/", os.environ["BIN_DIR"] + "/")
            (Path(directory) / unit).write_text(text)
        result = subprocess.run(["systemd-analyze", "verify", "speechai-fcgi.socket", "speechai-fcgi.service",
                                 "speechai-dispatcher.service", "speechai-dispatcher.timer"],
                                cwd=directory, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_openapi_document_is_served_and_valid(stack):
    from openapi_spec_validator import validate

    response = stack.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert "/health" in document["paths"]


def test_the_cli_finds_the_make_run_database_without_being_told(stack, tmp_path):
    """README: `speechai keys create --account X` works as written against `make run` (var/run/env)."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    cli = os.path.join(os.environ["BIN_DIR"], "speechai")
    (tmp_path / "var").symlink_to(stack.state)
    found = subprocess.run([cli, "keys", "create", "--admin"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=30)
    assert found.returncode == 0 and found.stdout.startswith("sk_"), found.stderr
    assert stack.get("/api/v1/accounts", headers={"Authorization": f"Bearer {found.stdout.strip()}"}).status_code == 200
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    lost = subprocess.run([cli, "keys", "list"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=30)
    assert lost.returncode != 0 and "make run" in lost.stderr
