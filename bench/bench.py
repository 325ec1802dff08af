#!/usr/bin/env python3
"""`make bench`: the benchmarks of BENCHMARKS.md, each beside its reference measured in the same
run on the same machine, printed as one table. Benchmarks are not tests: nothing here fails
because the machine is slow.

    bench/bench.py            # every benchmark
    BENCH_SECONDS=5 BENCH_ROUNDS=1 bench/bench.py   # quicker, noisier
"""
import json
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
                    "SPEECHAI_WORKERS": str(POOL_SIZE), "NGINX_ACCESS_LOG": "off"}

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
        return os.path.realpath(self.state / "pg"), PG_PORT

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


def invariants(stacks):
    """The ledger reconciliation report over every account: 'ok' or how many accounts fail."""
    report = (ROOT / "sql" / "reports" / "ledger_reconciliation.sql").read_text()
    failing = psql(stacks, f"SELECT count(*) FILTER (WHERE NOT reconciled) FROM ({report.rstrip().rstrip(';')}) AS r")
    count = int(failing[0][0])
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


def worker_peak_rss_mb(stacks):
    """The largest peak resident set (VmHWM) among the pool's workers."""
    status = json.loads(run("curl", "-fsS", f"http://127.0.0.1:{OUR_PORT}/internal/status?full", capture_output=True,
                            text=True).stdout)
    peak = 0
    for process in status["processes"]:
        for line in Path(f"/proc/{process['pid']}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


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


def print_table(header, rows):
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))


def main():
    print(f"make bench — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} cores; wrk -c{CONNECTIONS} {SECONDS}s x {ROUNDS} rounds, pool of {POOL_SIZE}")
    rows = []
    only = set(os.environ.get("BENCH_ONLY", "B1,B2,B3,B4,H").split(","))
    b4_rows = []
    hardening_rows = []
    with Stacks() as stacks:
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
        ledger_state = invariants(stacks)
        b3_result = b3(stacks) if "B3" in only else None
        if "B4" in only:
            b4_rows, worker_rss = b4(stacks)
        if "H" in only:
            hardening_rows = hardening(stacks)
    header = ("benchmark", "ours", "p99", "errors", "C reference", "ref p99", "ratio", "target met")
    print_table(header, rows)
    print("targets: B1 ratio >= 0.8, p99 <= 10 ms, zero errors; B2 ratio >= 0.7 with the invariants holding")
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


if __name__ == "__main__":
    sys.exit(main())
