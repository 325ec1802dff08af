#!/usr/bin/env python3
"""`make bench`: the benchmarks of BENCHMARKS.md, each beside its reference measured in the same
run on the same machine, printed as one table. Benchmarks are not tests: nothing here fails
because the machine is slow.

    bench/bench.py            # every benchmark
    BENCH_SECONDS=5 BENCH_ROUNDS=1 bench/bench.py   # quicker, noisier
    BENCH_ONLY=B5 bench/bench.py                    # some of them (B1, B2, B3, B4, H, B5, SOAK)
    SOAK_SECONDS=120 BENCH_ONLY=SOAK bench/bench.py # a longer soak
"""
import contextlib
import http.client
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
from hostile_inputs import shared_strings_bomb, single_rut_csv, wide_object  # noqa: E402
STACK = str(ROOT / "scripts" / "stack.sh")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = 64
POOL_SIZE = 8
PG_PORT = "55449"
OUR_PORT = "18180"
REFERENCE_PORT = "18181"


def run(*command, env=None, **kwargs):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(command, check=True, env=full_env, **kwargs)


def wrk(url, headers=()):
    """Runs wrk and returns (requests per second, p99 in ms, errors)."""
    arguments = [argument for header in headers for argument in ("-H", header)]
    output = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *arguments, url],
                            check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99_value, p99_unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99 = float(p99_value) * {"us": 0.001, "ms": 1, "s": 1000}[p99_unit]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(value) for value in match.groups())
    return rate, p99, errors


class Stacks:
    """Our stack (PostgreSQL, pool of 8, nginx) and the C reference behind an identical nginx."""

    def __init__(self):
        self.state = Path(tempfile.mkdtemp(prefix="speechai-bench."))
        self.state.chmod(0o755)
        self.reference = self.state / "reference"
        (self.reference / "run").mkdir(parents=True)
        self.env = {"PG_PORT": PG_PORT, "HTTP_PORT": OUR_PORT, "BIN_DIR": str(ROOT / ".build" / "release"),
                    "SPEECHAI_WORKERS": str(POOL_SIZE), "NGINX_ACCESS_LOG": "off",
                    # One client sends every benchmark's writes: the rate limits of the shipped site
                    # (nginx/speechai-limits.conf) would measure nginx's 429s, not the stack.
                    "NGINX_LIMITS": str(ROOT / "Tests" / "e2e" / "nginx" / "limits-for-the-suite.conf"),
                    # The soak's fake provider signs its webhooks with this key.
                    "RETELL_WEBHOOK_KEY": "key_fake_webhook"}

    def __enter__(self):
        try:
            return self._start()
        except BaseException:
            self.__exit__()
            raise

    def _start(self):
        run(STACK, "start", str(self.state), env=self.env, stdout=subprocess.DEVNULL)
        self.url = run(STACK, "database-url", str(self.state), env=self.env, capture_output=True,
                       text=True).stdout.strip()
        binary = self.reference / "reference_responder"
        flags = run("pkg-config", "--cflags", "--libs", "fcgi", "libpq", "libcrypto", capture_output=True,
                    text=True).stdout.split()
        run("cc", "-O2", "-o", str(binary), str(ROOT / "bench" / "reference_responder.c"), *flags)
        socket = self.reference / "run" / "fcgi.sock"
        run("spawn-fcgi", "-F", str(POOL_SIZE), "-s", str(socket), "-M", "0666",
            "-P", str(self.reference / "run" / "reference.pids"), "--", str(binary),
            env={"DATABASE_URL": self.url}, stdout=subprocess.DEVNULL)
        run(STACK, "nginx-start", str(self.reference),
            env={**self.env, "HTTP_PORT": REFERENCE_PORT, "FCGI_SOCKET": str(socket)})
        # An admin key and an account for B1's account read.
        self.admin_key = run(STACK, "admin-key", str(self.state), env=self.env, capture_output=True,
                             text=True).stdout.strip()
        self.create_account("bench-b1", credits=100)
        return self

    def database_url(self):
        return self.url

    def create_account(self, account_id, credits):
        body = json.dumps({"account_id": account_id, "account_name": "Benchmark", "contact_name": "Bench",
                           "contact_email": "bench@example.cl", "initial_credits": credits})
        run("curl", "-fsS", "-o", "/dev/null", "-H", f"Authorization: Bearer {self.admin_key}",
            "-H", "Content-Type: application/json", "-d", body, f"http://127.0.0.1:{OUR_PORT}/api/v1/accounts")

    def pg_socket(self):
        return os.path.realpath(self.state / "pg"), self.env["PG_PORT"]

    def __exit__(self, *exc):
        subprocess.run([STACK, "nginx-stop", str(self.reference)])
        pids = self.reference / "run" / "reference.pids"
        if pids.exists():
            for pid in pids.read_text().split():
                try:
                    os.kill(int(pid), 15)
                except ProcessLookupError:
                    pass
        subprocess.run([STACK, "stop", str(self.state)], env={**os.environ, **self.env})
        pg = os.path.realpath(self.state / "pg")
        shutil.rmtree(self.state, ignore_errors=True)
        if pg.startswith("/tmp/speechai-pg."):
            shutil.rmtree(pg, ignore_errors=True)


def b1(stacks, path):
    """B1: the HTTP read path. Rounds alternate ours and the reference; the best of each counts."""
    ours_url = f"http://127.0.0.1:{OUR_PORT}{path}"
    reference_url = f"http://127.0.0.1:{REFERENCE_PORT}{path}"
    headers = [f"Authorization: Bearer {stacks.admin_key}"]
    for url in (ours_url, reference_url):  # warm up connections, caches and prepared statements
        subprocess.run(["wrk", "-t2", "-c64", "-d2s", "-H", headers[0], url], capture_output=True)
    ours, reference = [], []
    for _ in range(ROUNDS):
        ours.append(wrk(ours_url, headers))
        reference.append(wrk(reference_url, headers))
    best = lambda results: max(results, key=lambda result: result[0])
    return best(ours), best(reference)


PG_BIN = "/usr/lib/postgresql/15/bin"


def psql(stacks, sql):
    """Runs SQL in the stack's database and returns the rows (tab-separated fields)."""
    output = run(f"{PG_BIN}/psql", stacks.database_url(), "-XAtq", "-F", "\t", "-c", sql,
                 capture_output=True, text=True).stdout
    return [line.split("\t") for line in output.splitlines() if line]


def b2(stacks, accounts):
    """B2: hold + settle pairs per second, ours (16 clients through the Ledger code) beside pgbench
    running the same SQL (bench/b2_hold_settle.sql) with 16 clients, on the same accounts."""
    binary = str(ROOT / ".build" / "release" / "speechai-ledger-bench")
    output = run(binary, "--database-url", stacks.database_url(), "--accounts", str(accounts), "--clients", "16",
                 "--seconds", str(SECONDS), capture_output=True, text=True).stdout
    ours = float(re.search(r"pairs_per_second=(\d+)", output).group(1))
    errors = int(re.search(r"errors=(\d+)", output).group(1))
    first, last = psql(stacks, f"SELECT min(id), max(id) FROM accounts WHERE account_id LIKE 'bench-{accounts}-%'")[0]
    dir_, port = stacks.pg_socket()
    output = run(f"{PG_BIN}/pgbench", "-n", "-M", "prepared", "-c", "16", "-j", "2", "-T", str(SECONDS),
                 "-f", str(ROOT / "bench" / "b2_hold_settle.sql"), "-D", f"first={first}", "-D", f"last={last}",
                 "-h", dir_, "-p", port, "-U", "speechai", "speechai", capture_output=True, text=True).stdout
    reference = float(re.search(r"tps = ([\d.]+)", output).group(1))
    return ours, errors, reference


def report_failures(stacks, report, column):
    """How many rows of a report in sql/reports say `column` is false."""
    sql = (ROOT / "sql" / "reports" / report).read_text().rstrip().rstrip(";")
    return int(psql(stacks, f"SELECT count(*) FILTER (WHERE NOT {column}) FROM ({sql}) AS r")[0][0])


def invariants(stacks):
    """The ledger reconciliation report over every account: 'ok' or how many accounts fail."""
    count = report_failures(stacks, "ledger_reconciliation.sql", "reconciled")
    return "ok" if count == 0 else f"{count} accounts violate them"


def b4_calamine(path):
    """Seconds python-calamine (the fastest reader here) takes to read every row; Python's csv module
    for .csv, which calamine does not read."""
    code = """
import csv, sys, time
path = sys.argv[1]
started = time.perf_counter()
if path.endswith(".csv"):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = sum(1 for _ in csv.reader(handle, delimiter=";"))
else:
    from python_calamine import CalamineWorkbook
    rows = len(CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python())
print(time.perf_counter() - started, rows)
"""
    seconds, _ = run("python3", "-c", code, str(path), capture_output=True, text=True).stdout.split()
    return float(seconds)


def b4_ours(path):
    """(seconds, peak RSS in MB) of our reader alone on `path`."""
    line = run(str(ROOT / ".build" / "release" / "speechai-spreadsheet-bench"), str(path), capture_output=True,
               text=True).stdout.strip().splitlines()[-1]
    result = json.loads(line)
    return result["seconds"], result["peak_rss_mb"]


def b4_upload(stacks, endpoint, path, account):
    """Seconds for one upload through nginx, and the response."""
    started = time.perf_counter()
    output = run("curl", "-sS", "-H", f"Authorization: Bearer {stacks.admin_key}", "-F", f"file=@{path}",
                 "-F", f"account_id={account}", "-F", "allow_duplicates=true", "-w", "\n%{http_code}",
                 f"http://127.0.0.1:{OUR_PORT}/api/v1/batches/excel/{endpoint}", capture_output=True, text=True).stdout
    seconds = time.perf_counter() - started
    body, status = output.rsplit("\n", 1)
    if status not in ("200", "201"):
        raise RuntimeError(f"B4 {endpoint} {path.name}: HTTP {status}: {body[:300]}")
    return seconds, json.loads(body)


def worker_memory_mb(field):
    """`field` of /proc/<pid>/status (VmRSS: the resident set now; VmHWM: its peak) of each pool worker, in MB."""
    status = json.loads(run("curl", "-fsS", f"http://127.0.0.1:{OUR_PORT}/internal/status?full", capture_output=True,
                            text=True).stdout)
    sizes = {}
    for process in status["processes"]:
        for line in Path(f"/proc/{process['pid']}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                sizes[process["pid"]] = int(line.split()[1]) / 1024
    return sizes


def worker_peak_rss_mb(stacks):
    """The largest peak resident set (VmHWM) among the pool's workers."""
    return max(worker_memory_mb("VmHWM").values())


def b4(stacks, rows=100_000):
    """B4: a generated contact list of `rows` rows in each format: preview and create through nginx,
    the parse alone beside python-calamine, and the workers' peak memory."""
    directory = stacks.state / "b4"
    run("python3", str(ROOT / "bench" / "generate_workbook.py"), "--rows", str(rows), "--out", str(directory),
        stdout=subprocess.DEVNULL)
    # A fresh pool, so that the workers' peak memory is this benchmark's.
    run(STACK, "pool-stop", str(stacks.state), env=stacks.env)
    run(STACK, "pool-start", str(stacks.state), env=stacks.env, stdout=subprocess.DEVNULL)
    time.sleep(1)
    results = []
    for name in ("contacts.xlsx", "contacts.xls", "contacts.csv"):
        path = directory / name
        account = f"bench-b4-{path.suffix[1:]}"
        stacks.create_account(account, credits=10_000_000)
        preview_seconds, preview = b4_upload(stacks, "preview", path, account)
        create_seconds, created = b4_upload(stacks, "create", path, account)
        ours, ours_rss = min(b4_ours(path) for _ in range(3))
        reference = min(b4_calamine(path) for _ in range(3))
        results.append((name, preview["preview"]["total_rows"], created["jobs_created"], preview_seconds,
                        create_seconds, ours, reference, ours_rss))
    return results, worker_peak_rss_mb(stacks)


def post_seconds(stacks, path, data, headers, files=None, repeat=3):
    """The median seconds of `repeat` POSTs through nginx, and the last status."""
    import requests
    times = []
    status = None
    for _ in range(repeat):
        started = time.perf_counter()
        response = requests.post(f"http://127.0.0.1:{OUR_PORT}{path}", data=data, headers=headers, files=files,
                                 timeout=300)
        times.append(time.perf_counter() - started)
        status = response.status_code
    return sorted(times)[len(times) // 2], status


def hardening(stacks):
    """H: the hostile inputs of the hardening issue. An 80,000-key JSON body (with and without a key),
    an 80,000-row list of one RUT beside an ordinary 80,000-row list, and a shared-strings bomb that
    inflates to 512 MB, with the workers' peak memory."""
    results = []
    body = wide_object(80_000)
    json_type = {"Content-Type": "application/json"}
    admin = {"Authorization": f"Bearer {stacks.admin_key}", **json_type}
    seconds, status = post_seconds(stacks, "/api/v1/accounts", body, json_type)
    results.append((f"80,000-key body ({len(body) / 1024:.0f} KB), no key", f"{seconds * 1000:.1f} ms", str(status)))
    seconds, status = post_seconds(stacks, "/api/v1/accounts", body, admin)
    results.append((f"80,000-key body ({len(body) / 1024:.0f} KB), admin key", f"{seconds * 1000:.1f} ms", str(status)))

    stacks.create_account("bench-h", credits=10_000_000)
    directory = stacks.state / "h"
    run("python3", str(ROOT / "bench" / "generate_workbook.py"), "--rows", "80000", "--out", str(directory),
        stdout=subprocess.DEVNULL)
    upload = "/api/v1/batches/excel/preview"
    auth = {"Authorization": f"Bearer {stacks.admin_key}"}
    for label, content in (("80,000-row list, ordinary", (directory / "contacts.csv").read_bytes()),
                           ("80,000-row list, one RUT", single_rut_csv(80_000))):
        seconds, status = post_seconds(stacks, upload, {"account_id": "bench-h"}, auth,
                                       files={"file": ("list.csv", content)})
        results.append((f"preview, {label}", f"{seconds:.2f} s", str(status)))

    run(STACK, "pool-stop", str(stacks.state), env=stacks.env)
    run(STACK, "pool-start", str(stacks.state), env=stacks.env, stdout=subprocess.DEVNULL)
    time.sleep(1)
    baseline = worker_peak_rss_mb(stacks)
    # Under the 512 MB inflate budget, so that the shared-string cap (64 MB of texts) is what stops it.
    bomb = shared_strings_bomb(inflated_bytes=480 << 20)
    seconds, status = post_seconds(stacks, upload, {"account_id": "bench-h"}, auth,
                                   files={"file": ("bomb.xlsx", bomb)}, repeat=POOL_SIZE)
    results.append((f"shared-strings bomb ({len(bomb) / 1024:.0f} KB -> 480 MB), sent {POOL_SIZE} times",
                    f"{seconds:.2f} s", str(status)))
    results.append(("workers' peak RSS (VmHWM) before / after the bombs", f"{baseline:.0f} MB / "
                    f"{worker_peak_rss_mb(stacks):.0f} MB", "-"))
    return results


def b3(stacks, accounts=1000, jobs=100_000, dispatchers=2):
    """B3: jobs claimed, held, placed (simulator, no latency) and settled per second by `dispatchers`
    dispatchers over `jobs` due jobs on `accounts` accounts; then the latency of one claim of 200 due
    jobs (rolled back) with the jobs table as it is and padded with a million finished jobs."""
    binary = str(ROOT / ".build" / "release" / "speechai-dispatch-bench")
    url = stacks.database_url()
    # Nothing else may be due: earlier benchmarks' batches are cancelled.
    psql(stacks, "UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    run(binary, "setup", url, str(accounts), env={"B3_JOBS": str(jobs)}, capture_output=True)
    output = run(binary, "run", url, str(dispatchers), capture_output=True, text=True).stdout
    rate = int(re.search(r"jobs_per_second=(\d+)", output).group(1))
    claimed = int(re.search(r"claimed=(\d+)", output).group(1))
    twice = psql(stacks, "SELECT count(*) FROM (SELECT job_id FROM calls GROUP BY job_id HAVING count(*) > 1) AS d")[0][0]
    # The reference: pgbench running the same SQL (bench/b3_dispatch.sql) with 2 clients on a fresh
    # set of due jobs, for SECONDS * 2 seconds (it has no end of its own).
    psql(stacks, "UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status = 'active'")
    run(binary, "setup", url, str(accounts), env={"B3_JOBS": str(jobs)}, capture_output=True)
    dir_, port = stacks.pg_socket()
    seconds = SECONDS * 2
    run(f"{PG_BIN}/pgbench", "-n", "-M", "prepared", "-c", str(dispatchers), "-j", str(dispatchers), "-T", str(seconds),
        "-f", str(ROOT / "bench" / "b3_dispatch.sql"), "-h", dir_, "-p", port, "-U", "speechai", "speechai",
        capture_output=True, text=True)
    reference = int(psql(stacks, "SELECT count(*) FROM calls WHERE attempt_id LIKE 'pgb\\_%'")[0][0]) // seconds
    latencies = []
    for pad in (0, 1_000_000):
        if pad:
            run(binary, "pad", url, str(pad), capture_output=True)
        psql(stacks, "UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status = 'active'")
        run(binary, "setup", url, "100", env={"B3_JOBS": "10000"}, capture_output=True)
        line = run(binary, "latency", url, "20", capture_output=True, text=True).stdout
        latencies.append((float(re.search(r"claim_ms_median=([\d.]+)", line).group(1)),
                          int(re.search(r"jobs_rows=(\d+)", line).group(1))))
    return rate, claimed, int(twice), latencies, reference


# B5 runs on a stack of its own (a generated database of a million jobs that the other benchmarks
# must not see), on ports of its own.
B5_PG_PORT = os.environ.get("B5_PG_PORT", "55450")
B5_HTTP_PORT = os.environ.get("B5_HTTP_PORT", "18182")
B5_REQUESTS = int(os.environ.get("B5_REQUESTS", "300"))
B5_WARMUP = 10 * POOL_SIZE  # every worker past the 5 executions after which PostgreSQL may keep a generic plan
B5_EXPLAINED = 3 * POOL_SIZE  # requests per endpoint whose statements are logged with EXPLAIN ANALYZE
B5_TARGET_MS = 50
# An endpoint that takes seconds a request (a sequential scan) stops after this long, with at least
# 20 timed requests (and POOL_SIZE warm-up and explained ones), so that the run still ends.
B5_SECONDS = int(os.environ.get("B5_SECONDS", "60"))
B5_PLANS = ROOT / "bench" / "b5_plans.txt"
SEQ_SCAN = re.compile(r"Seq Scan on (jobs|calls)\b")


class B5Stack(Stacks):
    """Our stack alone (PostgreSQL, pool of 8, nginx) on B5's ports, without the C reference."""

    def __init__(self):
        super().__init__()
        self.env.update({"PG_PORT": B5_PG_PORT, "HTTP_PORT": B5_HTTP_PORT})

    def _start(self):
        run(STACK, "start", str(self.state), env=self.env, stdout=subprocess.DEVNULL)
        self.url = run(STACK, "database-url", str(self.state), env=self.env, capture_output=True,
                       text=True).stdout.strip()
        self.admin_key = run(STACK, "admin-key", str(self.state), env=self.env, capture_output=True,
                             text=True).stdout.strip()
        return self

    def configure(self, **settings):
        """ALTER SYSTEM on this stack's own cluster, then a reload (new values reach every session
        at its next statement)."""
        commands = []
        for name, value in settings.items():
            name = name.replace("__", ".")
            commands += ["-c", f"ALTER SYSTEM RESET {name}" if value is None else f"ALTER SYSTEM SET {name} = '{value}'"]
        run(f"{PG_BIN}/psql", self.url, "-XAtq", *commands, "-c", "SELECT pg_reload_conf()", stdout=subprocess.DEVNULL)

    def restart_pool(self):
        run(STACK, "pool-stop", str(self.state), env=self.env)
        run(STACK, "pool-start", str(self.state), env=self.env, stdout=subprocess.DEVNULL)

    def log_path(self):
        return Path(os.path.realpath(self.state / "pg")) / "postgres.log"


def b5_generate(stack):
    """Fills the stack's fresh database (bench/b5_generate.sql), then VACUUM ANALYZE and a
    checkpoint, so that the reads meet a database at rest. Returns the seconds it took and the
    checks of the result."""
    # B5_ACCOUNTS, B5_BATCHES, B5_JOBS, B5_CALLS: other sizes, for trying the harness out quickly.
    sizes = [argument for name in ("accounts", "batches", "jobs", "calls") if f"B5_{name.upper()}" in os.environ
             for argument in ("-v", f"b5_{name}={int(os.environ[f'B5_{name.upper()}'])}")]
    started = time.perf_counter()
    run(f"{PG_BIN}/psql", stack.url, "-Xq", "-v", "ON_ERROR_STOP=1", *sizes, "-1", "-f",
        str(ROOT / "bench" / "b5_generate.sql"), stdout=subprocess.DEVNULL)
    generated = time.perf_counter() - started
    run(f"{PG_BIN}/psql", stack.url, "-XAtq", "-c", "VACUUM (ANALYZE)", "-c", "CHECKPOINT")
    counts = psql(stack, "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM batches), "
                         "(SELECT count(*) FROM jobs), (SELECT count(*) FROM calls)")[0]
    batches_off = report_failures(stack, "batch_counters.sql", "consistent")
    accounts_off = report_failures(stack, "ledger_reconciliation.sql", "reconciled")
    checks = {
        "rows": "{} accounts, {} batches, {} jobs, {} calls".format(*(f"{int(n):,}" for n in counts)),
        "batch counters (sql/reports/batch_counters.sql)": f"{batches_off} batches off" if batches_off else "ok",
        "ledger (sql/reports/ledger_reconciliation.sql)": f"{accounts_off} accounts off" if accounts_off else "ok",
    }
    return generated, time.perf_counter() - started, checks


def b5_endpoints(stack, count):
    """The read endpoints, each with `count` paths that vary the account and batch. Accounts and
    batches are drawn through their jobs (a batch of 30,000 jobs is drawn 30,000 times as often as
    a batch of one), so the big tenants and campaigns, where the reads are slowest, weigh in the
    percentiles as they do in the traffic; deleted batches are left out (they answer 404)."""
    rows = psql(stack, f"""
        SELECT a.account_id, b.batch_id,
               to_char((c.first_call AT TIME ZONE a.timezone)::date + 1, 'YYYY-MM-DD'),
               to_char((c.first_call AT TIME ZONE a.timezone)::date + 7, 'YYYY-MM-DD')
        FROM generate_series(1, {count}) AS i
        JOIN jobs j ON j.id = 1 + (i::bigint * 7919 * 104729) % (SELECT max(id) FROM jobs)
        JOIN batches b ON b.id = j.batch_id JOIN accounts a ON a.id = b.account_id
        CROSS JOIN LATERAL (SELECT coalesce(min(created_at), b.created_at) AS first_call
                            FROM calls WHERE batch_id = b.id) AS c
        WHERE b.deleted_at IS NULL
        ORDER BY i""")
    while len(rows) < count:  # the few draws that met a deleted batch
        rows += rows[:count - len(rows)]
    paths = {
        "dashboard overview, one account": ["/api/v1/dashboard/overview?account_id={0}"],
        "dashboard overview, every account (admin)": ["/api/v1/dashboard/overview"],
        "batch summary": ["/api/v1/batches/{1}/summary"],
        "jobs page, one batch": ["/api/v1/jobs?batch_id={1}&limit=50"],
        "jobs page, one account": ["/api/v1/jobs?account_id={0}&limit=50"],
        "jobs page, one account, failed": ["/api/v1/jobs?account_id={0}&status=failed&limit=50"],
        "jobs page, every account (admin)": ["/api/v1/jobs?limit=50"],
        "call history page, one account": ["/api/v1/calls/history?account_id={0}&limit=50"],
        "call history page, one batch, 7 days": [
            "/api/v1/calls/history?batch_id={1}&start_date={2}&end_date={3}&limit=50"],
        "call history page, every account (admin)": ["/api/v1/calls/history?limit=50"],
    }
    return {name: [templates[0].format(*row) for row in rows] for name, templates in paths.items()}


def b5_requests(stack, paths, minimum):
    """GETs `paths` one after another over one keep-alive connection through nginx, stopping after
    B5_SECONDS once `minimum` are done; returns the milliseconds of each and the statuses seen
    (with a sample body of each)."""
    connection = http.client.HTTPConnection("127.0.0.1", int(B5_HTTP_PORT), timeout=300)
    headers = {"Authorization": f"Bearer {stack.admin_key}"}
    times, statuses = [], {}
    deadline = time.perf_counter() + B5_SECONDS
    for path in paths:
        if len(times) >= minimum and time.perf_counter() > deadline:
            break
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        times.append((time.perf_counter() - started) * 1000)
        statuses.setdefault(response.status, body[:200].decode("utf-8", "replace"))
    connection.close()
    return times, statuses


def percentile(values, fraction):
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\w+):  (.*)$")


def postgres_log_entries(text):
    """(pid, level, message with its continuation lines) of each entry in PostgreSQL's log."""
    entries = []
    for line in text.splitlines():
        match = LOG_ENTRY.match(line)
        if match:
            entries.append([match.group(1), match.group(2), match.group(3)])
        elif entries:
            entries[-1][2] += "\n" + line
    return entries


PLAN_NODE = re.compile(r"\(cost=[\d.]+\.\.[\d.]+ rows=\d+ width=\d+\)")


def explained_statements(log_text):
    """The statements auto_explain logged, grouped by their SQL: for each, the executions'
    milliseconds and plans, with the parameters the statement log gave each execution. In a
    session's log a statement's `execute` line comes first, then that line's DETAIL with the
    parameters, then its plan (logged when the portal is dropped); the plans of statements nested
    in functions come before their caller's execute line."""
    statements = {}
    executing = set()  # pids whose last entry was an execute line, which a DETAIL may follow
    parameters = {}  # pid -> the parameters of the statement whose plan comes next
    for pid, level, message in postgres_log_entries(log_text):
        if level == "LOG" and (match := re.match(r"duration: ([\d.]+) ms  plan:\n(.*)", message, re.S)):
            lines = match.group(2).rstrip().splitlines()
            first_node = next((i for i, line in enumerate(lines) if PLAN_NODE.search(line)), len(lines))
            sql = " ".join(" ".join(lines[:first_node]).replace("Query Text:", "", 1).split())
            statements.setdefault(sql, []).append(
                {"ms": float(match.group(1)), "plan": "\n".join(lines), "parameters": parameters.pop(pid, None)})
            executing.discard(pid)
        elif level == "LOG" and re.match(r"duration: [\d.]+ ms  execute ", message):
            executing.add(pid)
            parameters.pop(pid, None)
        elif level == "DETAIL" and message.startswith("parameters: ") and pid in executing:
            parameters[pid] = message[len("parameters: "):]
            executing.discard(pid)
        elif level == "LOG":
            executing.discard(pid)
    return statements


def plan_summary(plan):
    """The scans and joins of a plan, one short line each, with their actual rows and times."""
    lines = []
    for line in plan.splitlines():
        stripped = line.strip().lstrip("->").strip()
        if re.match(r"(Parallel )?(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)", stripped):
            node = re.sub(r"\s+\(cost=[^)]*\)", "", stripped)
            lines.append(node)
    return lines


def b5(stack):
    """B5: each read endpoint's p50/p95/p99 over B5_REQUESTS requests through nginx on the generated
    database, and beside it the EXPLAIN (ANALYZE, BUFFERS) of every statement it ran, captured by
    auto_explain from the pool's own sessions (the statements as the code sent them, with the
    plans PostgreSQL chose for them, generic or custom), checked for sequential scans of jobs and
    calls. The full plans go to bench/b5_plans.txt."""
    stack.configure(max_wal_size="4GB", checkpoint_timeout="30min", session_preload_libraries="auto_explain")
    generated, ready, checks = b5_generate(stack)
    stack.restart_pool()  # sessions with auto_explain loaded, and statements planned on the analysed tables
    time.sleep(1)
    endpoints = b5_endpoints(stack, B5_WARMUP + B5_REQUESTS + B5_EXPLAINED)
    results = []
    for name, paths in endpoints.items():
        _, warmup_statuses = b5_requests(stack, paths[:B5_WARMUP], minimum=POOL_SIZE)
        times, statuses = b5_requests(stack, paths[B5_WARMUP:B5_WARMUP + B5_REQUESTS], minimum=20)
        results.append({"name": name, "example": paths[0], "times": times, "statuses": {**warmup_statuses, **statuses}})
    # The same requests again, each statement logged with its plan and actual figures (slower:
    # these times are not the ones above).
    stack.configure(auto_explain__log_min_duration="0", auto_explain__log_analyze="on", auto_explain__log_buffers="on",
                    auto_explain__log_nested_statements="on", log_min_duration_statement="0")
    log = stack.log_path()
    for result, paths in zip(results, endpoints.values()):
        if 200 not in result["statuses"]:
            result["statements"] = {}
            continue
        offset = log.stat().st_size
        explained, _ = b5_requests(stack, paths[B5_WARMUP + B5_REQUESTS:], minimum=POOL_SIZE)
        result["explained_requests"] = len(explained)
        time.sleep(0.2)  # the server writes its log asynchronously to us
        with log.open("rb") as handle:
            handle.seek(offset)
            result["statements"] = explained_statements(handle.read().decode("utf-8", "replace"))
    stack.configure(auto_explain__log_min_duration=None, auto_explain__log_analyze=None, auto_explain__log_buffers=None,
                    auto_explain__log_nested_statements=None, log_min_duration_statement=None)
    write_b5_plans(results, checks)
    return {"generated_seconds": generated, "ready_seconds": ready, "checks": checks, "results": results}


def b5_status(result):
    """'ok', 'missing' (the route answers 404), or the unexpected statuses."""
    statuses = result["statuses"]
    if 404 in statuses and "No route" in statuses[404]:
        return "missing"
    if set(statuses) == {200}:
        return "ok"
    return ", ".join(f"HTTP {status}: {body[:80]}" for status, body in sorted(statuses.items()))


def b5_statement_figures(result):
    """Per request: how many statements, their EXPLAIN ANALYZE milliseconds in all, and the
    statements that scanned jobs or calls sequentially."""
    statements = result["statements"]
    executions = sum(len(runs) for runs in statements.values())
    total_ms = sum(run["ms"] for runs in statements.values() for run in runs)
    seq_scans = sorted({match for runs in statements.values() for run in runs for match in SEQ_SCAN.findall(run["plan"])})
    requests = max(1, result["explained_requests"])
    return executions / requests, total_ms / requests, seq_scans


def write_b5_plans(results, checks):
    with B5_PLANS.open("w") as out:
        out.write(f"B5 plans, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}: every statement each "
                  f"endpoint ran in up to {B5_EXPLAINED} requests, as auto_explain logged it (EXPLAIN ANALYZE, BUFFERS) from "
                  "the pool's sessions; for each statement the slowest execution's plan and its parameters.\n")
        for name, value in checks.items():
            out.write(f"{name}: {value}\n")
        for result in results:
            out.write(f"\n{'=' * 100}\n{result['name']}: GET {result['example']}  ({b5_status(result)})\n")
            if result["times"] and b5_status(result) == "ok":
                times = result["times"]
                out.write(f"HTTP over {len(times)} requests: p50 {percentile(times, 0.5):.1f} ms, "
                          f"p95 {percentile(times, 0.95):.1f} ms, p99 {percentile(times, 0.99):.1f} ms\n")
            for sql, runs in sorted(result["statements"].items(), key=lambda item: -max(r["ms"] for r in item[1])):
                slowest = max(runs, key=lambda run: run["ms"])
                durations = sorted(run["ms"] for run in runs)
                flag = "  ** SEQUENTIAL SCAN OF " + ", ".join(sorted(set(SEQ_SCAN.findall(slowest["plan"])))) + " **" \
                    if SEQ_SCAN.search(slowest["plan"]) else ""
                out.write(f"\n--- {len(runs)} executions, median {durations[len(durations) // 2]:.2f} ms, "
                          f"slowest {slowest['ms']:.2f} ms{flag}\n")
                out.write(f"SQL: {sql}\n")
                if slowest["parameters"]:
                    out.write(f"parameters: {slowest['parameters']}\n")
                out.write(slowest["plan"] + "\n")


def print_b5(b5_result):
    print()
    print(f"B5 reads at scale: generated in {b5_result['generated_seconds']:.0f} s (vacuumed and analysed in "
          f"{b5_result['ready_seconds']:.0f} s); " + "; ".join(f"{name}: {value}"
                                                             for name, value in b5_result["checks"].items()))
    table = []
    for result in b5_result["results"]:
        status = b5_status(result)
        if status != "ok":
            table.append((result["name"], status, "-", "-", "-", "-", "-", "-", "-", "no"))
            continue
        times = result["times"]
        statements, sql_ms, seq_scans = b5_statement_figures(result)
        p95 = percentile(times, 0.95)
        table.append((result["name"], str(len(times)), f"{percentile(times, 0.5):.1f} ms", f"{p95:.1f} ms",
                      f"{percentile(times, 0.99):.1f} ms", f"{statements:.1f}", f"{sql_ms:.1f} ms",
                      f"{max((run['ms'] for runs in result['statements'].values() for run in runs), default=0):.1f} ms",
                      ", ".join(seq_scans) or "none", "yes" if p95 <= B5_TARGET_MS and not seq_scans else "no"))
    print_table(("B5 endpoint", "requests", "p50", "p95", "p99", "statements", "SQL (EXPLAIN ANALYZE)", "slowest statement",
                 "seq scans", "target met"), table)
    print(f"up to {B5_REQUESTS} requests per endpoint (at most {B5_SECONDS} s once 20 are done), one client, keep-alive, "
          f"through nginx, admin key, after up to {B5_WARMUP} warm-up requests; SQL columns: per request, from "
          f"auto_explain over up to {B5_EXPLAINED} more requests")
    print(f"target: p95 <= {B5_TARGET_MS} ms each; no sequential scan of jobs or calls. Full plans: {B5_PLANS.relative_to(ROOT)}")
    for result in b5_result["results"]:
        if not result.get("statements"):
            continue
        print(f"  {result['name']}:")
        for sql, runs in sorted(result["statements"].items(), key=lambda item: -max(r["ms"] for r in item[1])):
            slowest = max(runs, key=lambda run: run["ms"])
            print(f"    {slowest['ms']:8.2f} ms  {sql[:110]}")
            for node in plan_summary(slowest["plan"]):
                print(f"                 {'!! ' if SEQ_SCAN.search(node) else ''}{node[:120]}")


def print_table(header, rows):
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))


SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "30"))
SOAK_CLIENTS = 8


def soak(stacks):
    """SOAK: SOAK_SECONDS of mixed traffic through nginx from SOAK_CLIENTS threads (reads, uploads,
    pauses and resumes, top-ups, signed webhooks) while two dispatchers place calls with a fake Retell
    on loopback. Returns per-route counts, p50/p99, the 5xx seen, and the workers' RSS before and after."""
    import random
    import threading
    import uuid
    import requests
    sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
    from fake_retell import API_KEY, FakeRetell, signature
    from test_crash import contact_list

    fake = FakeRetell()
    fake.auto_end = True
    admin = {"Authorization": f"Bearer {stacks.admin_key}"}
    base = f"http://127.0.0.1:{OUR_PORT}"
    accounts = [f"soak-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    for account in accounts:
        stacks.create_account(account, credits=1_000_000)
    settings = json.dumps({"allowed_hours": {"start": "00:00", "end": "23:59"}, "days_of_week": [1, 2, 3, 4, 5, 6, 7]})
    batches, lock = [], threading.Lock()

    def upload(session, generator):
        response = session.post(f"{base}/api/v1/batches/excel/create", headers=admin, timeout=60,
                                files={"file": ("lista.csv", contact_list(generator.randrange(10**6, 4 * 10**7), 200,
                                                                          generator))},
                                data={"account_id": generator.choice(accounts), "allow_duplicates": "true",
                                      "call_settings_json": settings})
        if response.status_code == 201:
            batch = response.json()["batch_id"]
            # Due from before the dispatchers' test clock (a Wednesday noon), whatever today is.
            psql(stacks, "UPDATE jobs SET next_attempt_at = '2020-01-01' WHERE batch_id = "
                         f"(SELECT id FROM batches WHERE batch_id = '{batch}')")
            with lock:
                batches.append(batch)
        return response

    def webhook(session, generator):
        with fake.lock:
            open_calls = [call_id for call_id, call in fake.calls.items() if call["call_status"] == "registered"]
        if not open_calls:
            return session.get(f"{base}/api/v1/use-cases", headers=admin, timeout=30)
        body = json.dumps({"event": "call_ended", "call": fake.finish(generator.choice(open_calls), "user_hangup",
                                                                      30_000)}).encode()
        return session.post(f"{base}/api/v1/webhooks/retell", data=body, timeout=30,
                            headers={"Content-Type": "application/json", "x-retell-signature": signature(body)})

    def one_of_the_batches(generator):
        with lock:
            return generator.choice(batches)

    # (route, weight, request): the mix a console and its users send.
    mix = [
        ("GET /api/v1/batches", 14, lambda s, g: s.get(f"{base}/api/v1/batches?account_id={g.choice(accounts)}",
                                                       headers=admin, timeout=30)),
        ("GET /api/v1/batches/{id}/status", 14, lambda s, g: s.get(
            f"{base}/api/v1/batches/{one_of_the_batches(g)}/status", headers=admin, timeout=30)),
        ("GET /api/v1/batches/{id}/jobs", 10, lambda s, g: s.get(
            f"{base}/api/v1/batches/{one_of_the_batches(g)}/jobs?limit=50", headers=admin, timeout=30)),
        ("GET /api/v1/accounts/{id}/balance", 12, lambda s, g: s.get(
            f"{base}/api/v1/accounts/{g.choice(accounts)}/balance", headers=admin, timeout=30)),
        ("GET /api/v1/dashboard/stats", 6, lambda s, g: s.get(
            f"{base}/api/v1/dashboard/stats?account_id={g.choice(accounts)}", headers=admin, timeout=30)),
        ("GET /api/v1/calls/history", 6, lambda s, g: s.get(
            f"{base}/api/v1/calls/history?account_id={g.choice(accounts)}", headers=admin, timeout=30)),
        ("POST /api/v1/batches/excel/create", 3, upload),
        ("PUT /api/v1/batches/{id}/pause|resume", 8, lambda s, g: s.put(
            f"{base}/api/v1/batches/{one_of_the_batches(g)}/{g.choice(['pause', 'resume', 'resume'])}", headers=admin,
            timeout=30)),
        ("POST /api/v1/accounts/{id}/topup", 8, lambda s, g: s.post(
            f"{base}/api/v1/accounts/{g.choice(accounts)}/topup", json={"credits": g.randrange(1, 100)},
            headers={**admin, "Idempotency-Key": uuid.uuid4().hex}, timeout=30)),
        ("POST /api/v1/webhooks/retell", 19, webhook),
    ]
    routes = [entry[0] for entry in mix]
    weights = [entry[1] for entry in mix]
    requests_of = {entry[0]: entry[2] for entry in mix}
    seed_generator = random.Random(1)
    with requests.Session() as session:
        for _ in range(4):
            upload(session, seed_generator)
    dispatcher_env = {"DATABASE_URL": stacks.url, "SPEECHAI_TEST_CLOCK": "1", "SPEECHAI_TEST_NOW": "2026-12-02T15:00:00Z",
                      "SPEECHAI_PROVIDER": "retell", "RETELL_BASE_URL": fake.url, "RETELL_API_KEY": API_KEY,
                      "RETELL_POLL_AFTER_SECONDS": "3", "RETELL_LOST_AFTER_SECONDS": "30"}
    log = open(stacks.state / "log" / "soak-dispatchers.log", "w")
    dispatchers = [subprocess.Popen([str(ROOT / ".build" / "release" / "speechai-dispatcher"), "loop", "--interval", "0.5"],
                                    env={**os.environ, **dispatcher_env}, stdout=log, stderr=subprocess.STDOUT)
                   for _ in range(2)]
    latencies = {route: [] for route in routes}
    statuses = {route: {} for route in routes}
    before = worker_memory_mb("VmRSS")
    deadline = time.monotonic() + SOAK_SECONDS

    def client(number):
        generator = random.Random(100 + number)
        with requests.Session() as session:
            while time.monotonic() < deadline:
                route = generator.choices(routes, weights)[0]
                started = time.perf_counter()
                try:
                    status = requests_of[route](session, generator).status_code
                except requests.RequestException:
                    status = "connection failed"
                elapsed = time.perf_counter() - started
                with lock:
                    latencies[route].append(elapsed)
                    statuses[route][status] = statuses[route].get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(number,)) for number in range(SOAK_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = worker_memory_mb("VmRSS")
    for process in dispatchers:
        process.terminate()
        process.wait()
    log.close()
    fake.close()
    placed = len(fake.created())
    rows = []
    for route in routes:
        times = latencies[route]
        failures = sum(count for status, count in statuses[route].items() if not isinstance(status, int) or status >= 500)
        rows.append((route, f"{len(times):,}", f"{percentile(times, 0.5) * 1000:.1f} ms" if times else "-",
                     f"{percentile(times, 0.99) * 1000:.1f} ms" if times else "-",
                     ", ".join(f"{status}: {count:,}" for status, count in sorted(statuses[route].items(), key=str)),
                     str(failures)))
    return rows, before, after, placed


def main():
    print(f"make bench — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} cores; wrk -c{CONNECTIONS} {SECONDS}s x {ROUNDS} rounds, pool of {POOL_SIZE}")
    rows = []
    only = set(os.environ.get("BENCH_ONLY", "B1,B2,B3,B4,H,B5,SOAK").split(","))
    b4_rows = []
    hardening_rows = []
    b3_result = None
    ledger_state = None
    soak_result = None
    with Stacks() if only & {"B1", "B2", "B3", "B4", "H", "SOAK"} else contextlib.nullcontext() as stacks:
        for path in ("/health", "/api/v1/accounts/bench-b1") if "B1" in only else ():
            (rate, p99, errors), (ref_rate, ref_p99, ref_errors) = b1(stacks, path)
            target_met = rate >= 0.8 * ref_rate and p99 <= 10 and errors == 0
            rows.append((f"B1 GET {path}", f"{rate:,.0f} req/s", f"{p99:.2f} ms", str(errors),
                         f"{ref_rate:,.0f} req/s", f"{ref_p99:.2f} ms", f"{rate / ref_rate:.2f}",
                         "yes" if target_met else "no"))
        for accounts, label in ((1, "one hot account"), (1000, "1,000 accounts")) if "B2" in only else ():
            ours, errors, reference = b2(stacks, accounts)
            rows.append((f"B2 hold+settle, {label}", f"{ours:,.0f} pairs/s", "-", str(errors),
                         f"{reference:,.0f} pairs/s (pgbench)", "-", f"{ours / reference:.2f}",
                         "yes" if ours >= 0.7 * reference and errors == 0 else "no"))
        if "B2" in only:
            ledger_state = invariants(stacks)
        b3_result = b3(stacks) if "B3" in only else None
        if "B4" in only:
            b4_rows, worker_rss = b4(stacks)
        if "H" in only:
            hardening_rows = hardening(stacks)
        if "SOAK" in only:
            soak_result = soak(stacks)
    b5_result = None
    if "B5" in only:
        with B5Stack() as stack:
            b5_result = b5(stack)
    if rows:
        header = ("benchmark", "ours", "p99", "errors", "C reference", "ref p99", "ratio", "target met")
        print_table(header, rows)
        print("targets: B1 ratio >= 0.8, p99 <= 10 ms, zero errors; B2 ratio >= 0.7 with the invariants holding")
    if ledger_state:
        print(f"ledger invariants after B2 (sql/reports/ledger_reconciliation.sql): {ledger_state}")
    if b3_result:
        rate, claimed, twice, ((small_ms, small_rows), (large_ms, large_rows)), reference = b3_result
        print()
        print(f"B3 dispatcher: {rate:,} jobs/s claimed, held, placed and settled ({claimed:,} jobs, 2 dispatchers, "
              f"1,000 accounts, simulator without delay); jobs called twice: {twice}")
        print(f"B3 reference, pgbench running the same SQL (bench/b3_dispatch.sql, 2 clients): {reference:,} jobs/s "
              f"(ratio {rate / max(reference, 1):.2f})")
        print(f"B3 claim of 200 due jobs: {small_ms:.1f} ms with {small_rows:,} rows in jobs, {large_ms:.1f} ms with "
              f"{large_rows:,} rows ({large_ms / small_ms:.2f}x)")
        print("targets: >= 2,000 jobs/s; claim latency grows <= 1.5x; no job dialled twice")
    if b4_rows:
        print()
        header = ("B4 file", "data rows", "jobs", "preview", "create", "parse (ours)", "parse (reference)", "ratio",
                  "reader peak RSS", "target met")
        table = []
        for name, total, jobs, preview, create, ours, reference, rss in b4_rows:
            met = create <= 3 and ours <= reference and worker_rss <= 150
            table.append((name, f"{total:,}", f"{jobs:,}", f"{preview:.2f} s", f"{create:.2f} s", f"{ours:.3f} s",
                          f"{reference:.3f} s", f"{reference / ours:.2f}", f"{rss:.0f} MB", "yes" if met else "no"))
        print_table(header, table)
        print(f"pool workers' peak RSS after B4 (VmHWM): {worker_rss:.0f} MB")
        print("targets: create <= 3 s; our parse not slower than the reference (python-calamine; Python's csv "
              "module for .csv, which calamine does not read); worker peak RSS <= 150 MB")
    if hardening_rows:
        print()
        print_table(("H hostile input", "answered in (median)", "status"), hardening_rows)
        print("expected: the wide bodies well under a second; the one-RUT preview close to the ordinary one; "
              "every worker under the README's 200 MB bound")
    if b5_result:
        print_b5(b5_result)
    if soak_result:
        print_soak(soak_result)


def print_soak(result):
    rows, before, after, placed = result
    print()
    print(f"SOAK: {SOAK_SECONDS} s of mixed traffic from {SOAK_CLIENTS} threads through nginx, 2 dispatchers placing "
          f"{placed:,} calls with a fake Retell meanwhile")
    print_table(("SOAK route", "requests", "p50", "p99", "statuses", "5xx"), rows)
    growth = max(after.values()) - max(before.values())
    print(f"workers' RSS (VmRSS) before: {', '.join(f'{size:.0f}' for size in sorted(before.values()))} MB; after: "
          f"{', '.join(f'{size:.0f}' for size in sorted(after.values()))} MB; largest grew {growth:+.1f} MB"
          f"{'' if set(before) == set(after) else ' (some workers were replaced meanwhile)'}")
    failures = sum(int(row[5]) for row in rows)
    print(f"targets: no 5xx ({failures} seen); the largest worker grows < 10 MB "
          f"({'met' if growth < 10 else 'not met'})")


if __name__ == "__main__":
    sys.exit(main())
