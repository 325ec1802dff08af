"""The crash test: three dispatchers over two thousand jobs, killed with SIGKILL at random points and
restarted, while the API pauses, resumes, cancels and retries. Afterwards nothing is dialled twice,
no hold is left open past its expiry, every job is in a legal state, the ledger and the batch
counters add up, and no deadlock appears in any log. Seeded: CRASH_SEED replays a failure."""
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

from fake_retell import API_KEY, FakeRetell
from test_accounts import new_account
from test_dispatch import WEDNESDAY_NOON, due_before_any_test_clock, reconciled
from test_ingestion import upload
from test_lifecycle import rut

SEED = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
ACCOUNTS = 4
JOBS_PER_ACCOUNT = 500
CHAOS_SECONDS = 25


def contact_list(first_rut, rows, generator):
    lines = ["RUT;Nombre;Teléfono móvil"]
    for row in range(rows):
        lines.append(f"{rut(first_rut + row)};Persona {row};+5699{generator.randrange(10**7):07d}")
    return ("\n".join(lines) + "\n").encode()


STARTED = time.time()


def clock_now():
    """Wednesday noon plus the real time since the suite started: one clock for every process,
    however often they are restarted."""
    noon = datetime.fromisoformat(WEDNESDAY_NOON.replace("Z", "+00:00"))
    return (noon + timedelta(seconds=time.time() - STARTED)).isoformat().replace("+00:00", "Z")


def start_dispatcher(stack, fake, log):
    env = dict(os.environ, DATABASE_URL=stack.database_url(), SPEECHAI_TEST_CLOCK="1", SPEECHAI_TEST_NOW=clock_now(),
               SPEECHAI_PROVIDER="retell", RETELL_BASE_URL=fake.url, RETELL_API_KEY=API_KEY,
               RETELL_POLL_AFTER_SECONDS="1", RETELL_LOST_AFTER_SECONDS="4", RETELL_TIMEOUT_SECONDS="2")
    return subprocess.Popen([os.path.join(os.environ["BIN_DIR"], "speechai-dispatcher"), "loop", "--interval", "0.2"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def test_dispatchers_killed_at_random_points_lose_nothing_and_dial_no_attempt_twice(stack, admin, tmp_path, figures):
    # Only what the logs gain during this test counts (swift test shares the PostgreSQL server).
    postgres_log = stack.state / "log" / "postgres.log"
    log_offsets = (postgres_log.stat().st_size, len(stack.log()))
    generator = random.Random(SEED)
    print(f"crash test seed {SEED} (CRASH_SEED={SEED} replays it)")
    stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    fake = FakeRetell()
    fake.auto_end = True
    batches = []
    for index in range(ACCOUNTS):
        poor = index % 2 == 1
        account = new_account(stack, admin, initial_credits=300.0 if poor else 5000.0)
        content = contact_list(20_000_000 + index * 10_000, JOBS_PER_ACCOUNT, generator)
        response = upload(stack, admin, "lista.csv", {
            "account_id": account["account_id"], "batch_name": f"Crash {index}",
            "call_settings_json": '{"allowed_hours":{"start":"00:00","end":"23:59"},"days_of_week":[1,2,3,4,5,6,7],'
                                  '"max_attempts":3,"retry_delay_hours":0.25}'}, content=content)
        assert response.status_code == 201, response.text
        batches.append((account, response.json()["batch_id"]))
        # Due from before the test clock (Wednesday noon), which may be earlier than the real one.
        due_before_any_test_clock(stack, {"batch_id": response.json()["batch_id"]})
        # The poor accounts' calls then cost 25 credits a hold: they run out, and jobs are suspended.
        stack.api("PATCH", f"/api/v1/accounts/{account['account_id']}", admin,
                  json={"max_concurrent_calls": 40, "daily_call_limit": 100000, **({"cost_per_minute": 5} if poor else {})})

    log = open(tmp_path / "dispatchers.log", "w")
    dispatchers = [start_dispatcher(stack, fake, log) for _ in range(3)]
    kills = 0
    api_requests = Counter()
    stop = threading.Event()

    def lifecycle_chaos():
        chaos = random.Random(SEED + 1)
        while not stop.is_set():
            account, batch_id = chaos.choice(batches)
            action = chaos.choice(["pause", "resume", "resume", "retry", "cancel_job"])
            if action in ("pause", "resume"):
                response = stack.api("PUT", f"/api/v1/batches/{batch_id}/{action}", admin)
            else:
                status = "failed" if action == "retry" else "pending"
                found = stack.api("GET", f"/api/v1/jobs?batch_id={batch_id}&status={status}&limit=5", admin).json()
                if not found["jobs"]:
                    continue
                job = chaos.choice(found["jobs"])["job_id"]
                response = stack.api("PUT", f"/api/v1/jobs/{job}/{'retry' if action == 'retry' else 'cancel'}", admin)
            api_requests[(action, response.status_code)] += 1
            assert response.status_code < 500, response.text
            time.sleep(chaos.uniform(0.05, 0.3))

    chaos_thread = threading.Thread(target=lifecycle_chaos)
    chaos_thread.start()
    deadline = time.monotonic() + CHAOS_SECONDS
    cancelled_batch = batches[-1][1]
    while time.monotonic() < deadline:
        time.sleep(generator.uniform(0.2, 1.2))
        victim = generator.randrange(len(dispatchers))
        dispatchers[victim].send_signal(signal.SIGKILL)
        dispatchers[victim].wait()
        kills += 1
        dispatchers[victim] = start_dispatcher(stack, fake, log)
        if kills == 5:
            assert stack.api("POST", f"/api/v1/batches/{cancelled_batch}/cancel", admin).status_code == 200
    stop.set()
    chaos_thread.join()
    # No new calls from here on; the survivors finish what is open (lost attempts close after 4 s).
    for account, batch_id in batches:
        stack.api("PUT", f"/api/v1/batches/{batch_id}/pause", admin)
    quiet_deadline = time.monotonic() + 60
    while time.monotonic() < quiet_deadline:
        if stack.psql("SELECT count(*) FROM calls WHERE settled_at IS NULL") == "0":
            break
        time.sleep(0.5)
    for process in dispatchers:
        process.send_signal(signal.SIGTERM)
        process.wait()
    log.close()
    fake.close()

    attempts = Counter(request["metadata"]["attempt_id"] for request in fake.created())
    calls_total = int(stack.psql("SELECT count(*) FROM calls"))
    print(f"kills={kills} provider requests={sum(attempts.values())} attempts recorded={calls_total} "
          f"api={dict(api_requests)}")
    print("jobs by status:", stack.psql("SELECT j.status, count(*) FROM jobs j JOIN batches b ON b.id = j.batch_id "
                                        "WHERE b.name LIKE 'Crash %' GROUP BY 1 ORDER BY 1").replace("\n", ", "))
    # No attempt was ever placed twice with the provider, and every placed call is a recorded attempt.
    assert max(attempts.values()) == 1
    assert set(attempts) <= set(stack.psql("SELECT attempt_id FROM calls").splitlines())
    # (A job's attempt numbers may repeat: a retry starts its count again. Its calls never overlap:
    # the database allows one open call per job.)
    assert stack.psql("SELECT count(*) FROM calls a JOIN calls b ON a.job_id = b.job_id AND a.id < b.id "
                      "AND b.created_at < coalesce(a.settled_at, 'infinity')") == "0"
    # Nothing is left open: no call, and so no hold.
    assert stack.psql("SELECT count(*) FROM calls WHERE settled_at IS NULL") == "0"
    assert stack.psql("SELECT count(*) FROM credit_holds WHERE status = 'pending'") == "0"
    # Every job is in a legal state: in progress exactly while it has an open call; none in the
    # cancelled batch is still waiting.
    assert stack.psql("SELECT count(*) FROM jobs j WHERE (j.status = 'in_progress') <> EXISTS "
                      "(SELECT 1 FROM calls c WHERE c.job_id = j.id AND c.settled_at IS NULL)") == "0"
    assert stack.psql(f"SELECT count(*) FROM jobs WHERE status IN ('pending', 'scheduled', 'suspended') AND batch_id = "
                      f"(SELECT id FROM batches WHERE batch_id = '{cancelled_batch}')") == "0"
    assert stack.psql("SELECT count(*) FROM jobs WHERE attempts > max_attempts") == "0"
    assert reconciled(stack)
    with open(postgres_log, errors="replace") as postgres:
        postgres.seek(log_offsets[0])
        logs = (tmp_path / "dispatchers.log").read_text() + postgres.read() + stack.log()[log_offsets[1]:]
    assert "40P01" not in logs and "deadlock detected" not in logs
    assert kills >= 10
    figures("crash: three dispatchers killed at random over 2,000 jobs",
            f"seed {SEED}; {kills} SIGKILLs; {sum(api_requests.values())} API requests {dict(api_requests)}; "
            f"{sum(attempts.values())} provider requests, none twice; {calls_total} attempts recorded; nothing left "
            "open; ledger and counters reconciled; no deadlock")
