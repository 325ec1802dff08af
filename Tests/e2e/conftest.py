"""End-to-end fixtures: a real stack (PostgreSQL, the responder pool, nginx) in the state
directory that scripts/test.sh prepared, driven through scripts/stack.sh."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "scripts" / "stack.sh"
# The suite's pool: four workers, the debug routes, and the key the fake provider signs webhooks with.
POOL_SETTINGS = {"SPEECHAI_WORKERS": "4", "SPEECHAI_DEBUG_ROUTES": "1", "RETELL_WEBHOOK_KEY": "key_fake_webhook"}


class Stack:
    def __init__(self, state: Path):
        self.state = state
        self.port = int(os.environ.get("HTTP_PORT", "18080"))
        self.base = f"http://127.0.0.1:{self.port}"
        self.pool_env = {}

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kwargs):
        kwargs.setdefault("timeout", 10)
        return requests.get(self.url(path), **kwargs)

    def run(self, command: str, extra_env=None):
        env = dict(os.environ)
        env.update(extra_env or {})
        subprocess.run([str(STACK), command, str(self.state)], check=True, env=env,
                       stdout=subprocess.DEVNULL)

    # The pool ------------------------------------------------------------------------------
    def pool_pid(self) -> int:
        return int((self.state / "run" / "fcgi.pid").read_text())

    def start_pool(self, **env):
        """Restarts the pool with the suite's settings plus `env`."""
        self.stop_pool()
        settings = dict(POOL_SETTINGS)
        settings.update(env)
        self.run("pool-start", settings)
        wait_until(lambda: self.get("/health").status_code == 200, "pool healthy")
        wait_until(lambda: self.status()["total processes"] == int(settings["SPEECHAI_WORKERS"]),
                   "all workers up")

    def stop_pool(self):
        self.run("pool-stop")

    def status(self, full=False) -> dict:
        response = self.get("/internal/status" + ("?full" if full else ""))
        assert response.status_code == 200, response.text
        return response.json()

    def worker_pids(self) -> set:
        return {process["pid"] for process in self.status(full=True)["processes"]}

    def log(self) -> str:
        return (self.state / "log" / "fcgi.log").read_text(errors="replace")

    # Keys and requests -----------------------------------------------------------------------
    def database_url(self) -> str:
        return subprocess.run([str(STACK), "database-url", str(self.state)], check=True, capture_output=True,
                              text=True, env=dict(os.environ)).stdout.strip()

    def psql(self, sql: str, url=None) -> str:
        """One value read straight from the database (for checks the API does not expose); `url`: another one."""
        result = subprocess.run(["psql", "-XAtq", url or self.database_url(), "-c", sql], capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def cli(self, *arguments, url=None) -> str:
        """The operator's `speechai` command on this stack's database (or `url`'s)."""
        env = dict(os.environ)
        env["DATABASE_URL"] = url or self.database_url()
        result = subprocess.run([os.path.join(os.environ["BIN_DIR"], "speechai"), *arguments], env=env,
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def create_key(self, account=None) -> str:
        return self.cli("keys", "create", *(["--account", account] if account else ["--admin"]))

    def api(self, method, path, key=None, json=None, headers=None, **kwargs):
        all_headers = dict(headers or {})
        if key:
            all_headers["Authorization"] = f"Bearer {key}"
        kwargs.setdefault("timeout", 15)
        return requests.request(method, self.url(path), json=json, headers=all_headers, **kwargs)

    # PostgreSQL ----------------------------------------------------------------------------
    def stop_postgres(self):
        self.run("pg-stop")

    def start_postgres(self):
        self.run("pg-start")


def wait_until(predicate, what, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as error:  # the thing waited for may fail until it is ready
            last_error = error
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last error: {last_error})")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


# Each scenario's figures, printed after the run's summary (make test shows them even when all pass).
SCENARIO_FIGURES = []


@pytest.fixture(scope="session")
def figures():
    """`figures(scenario, text)`: one line of a scenario's figures for the end of the run."""
    return lambda scenario, text: SCENARIO_FIGURES.append(f"{scenario}: {text}")


def pytest_terminal_summary(terminalreporter):
    if SCENARIO_FIGURES:
        terminalreporter.section("scenarios and their figures")
        for line in SCENARIO_FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def stack():
    state = Path(os.environ["SPEECHAI_STACK_STATE"])
    stack = Stack(state)
    stack.run("start", POOL_SETTINGS)
    yield stack
    stack.run("stop")


@pytest.fixture(scope="session")
def admin(stack):
    """An admin API key."""
    return stack.create_key()


@pytest.fixture
def pool(stack):
    """A freshly started pool for tests that disturb it; the default pool is back afterwards."""
    stack.start_pool()
    yield stack
    stack.start_pool()
