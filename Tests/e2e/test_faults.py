"""The fault suite: whole simulated campaigns (uploads, top-ups, pauses, resumes, cancels, retries,
webhooks) while the stack is broken on purpose: responder workers and the supervisor killed with
SIGKILL, the pool sent SIGHUP, nginx reloaded, dispatchers killed mid-pass, PostgreSQL restarted
during dispatch and during a batch creation, webhooks replayed, reordered, duplicated, contradicted
and forged, and a provider that times out, fails, refuses and answers late. Afterwards every
guarantee is checked against the database (`Campaign.check`).

Seeded: each scenario prints its seed; `FAULT_SEED=<n> make test` replays the same schedule of
faults and traffic (the processes' timing still varies, as in any real fault). Each scenario's
figures are printed at the end of the run."""
import json
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter

import requests

from conftest import process_alive, wait_until
from fake_retell import WEBHOOK_KEY, FakeRetell, signature
from test_accounts import new_account
from test_crash import contact_list, start_dispatcher
from test_dispatch import due_before_any_test_clock, reconciled

SEED = int(os.environ.get("FAULT_SEED", str(int(time.time()))))
SETTINGS = ('{"allowed_hours":{"start":"00:00","end":"23:59"},"days_of_week":[1,2,3,4,5,6,7],'
            '"max_attempts":3,"retry_delay_hours":0.25}')
# What a client may see while the stack is broken on purpose: nginx's JSON 502 for a worker killed
# mid-request, the API's 503 while PostgreSQL is away, nginx's 504. A 500 is never one of them.
GATEWAY_FAILURES = {502, 503, 504}

# The provider's faults, drawn per attempt from the seed: (behaviour, seconds). The dispatcher gives
# a request 2 s (RETELL_TIMEOUT_SECONDS in test_crash.start_dispatcher): "slow_accept" for 1 s
# answers late but in time; for 3 s the call exists and the answer comes after the client gave up;
# "timeout" creates nothing and answers 504 after the client gave up; "error" is a 500, "refuse" a 422.
PROVIDER_FAULTS = [("accept", 0)] * 4 + [("slow_accept", 1), ("slow_accept", 3), ("timeout", 3), ("error", 0),
                                         ("refuse", 0)]


def provider_faults(seed):
    return lambda body: random.Random(f"{seed}:{body['metadata']['attempt_id']}").choice(PROVIDER_FAULTS)


def one_of(rows):
    return rows.splitlines() if rows else []


class Clients:
    """The campaign's clients: every request and what it got (status None: the connection failed)."""

    def __init__(self, stack, admin):
        self.stack, self.admin = stack, admin
        self.lock = threading.Lock()
        self.sent = []  # (kind, subject, status, body)

    def send(self, kind, subject, method, path, **kwargs):
        kwargs.setdefault("timeout", 60)
        try:
            response = self.stack.api(method, path, self.admin, **kwargs)
            status = response.status_code
            try:
                body = response.json()
            except ValueError:
                body = None
        except requests.RequestException:
            status, body = None, None
        with self.lock:
            self.sent.append((kind, subject, status, body))
        assert status is None or status < 500 or status in GATEWAY_FAILURES, (kind, subject, status, body)
        return status, body

    def of(self, kind):
        with self.lock:
            return [entry for entry in self.sent if entry[0] == kind]

    def figures(self):
        with self.lock:
            failed = sum(1 for entry in self.sent if entry[2] is None or entry[2] >= 500)
            kinds = Counter(entry[0] for entry in self.sent)
        return f"{len(self.sent)} requests ({', '.join(f'{kind} {n}' for kind, n in sorted(kinds.items()))}), " \
               f"{failed} failures seen by clients"


def failed(status):
    return status is None or status in GATEWAY_FAILURES


class Campaign:
    """Accounts, batches, dispatchers and a fake provider for one scenario, its traffic and its faults."""

    def __init__(self, stack, admin, tmp_path, seed):
        self.stack, self.admin, self.seed = stack, admin, seed
        self.generator = random.Random(seed)
        self.clients = Clients(stack, admin)
        self.fake = FakeRetell()
        self.fake.auto_end = True  # a poll settles a call the webhooks leave open
        self.fake.choose = provider_faults(seed)
        self.accounts = []  # account ids
        self.batches = []   # batch ids the API acknowledged
        self.uploads = {}   # batch name -> rows sent
        self.topups = {}    # Idempotency-Key -> (account id, credits)
        self.faults = Counter()
        self.stop = threading.Event()
        self.threads = []
        self.dispatcher_log_path = tmp_path / "dispatchers.log"
        self.dispatcher_log = open(self.dispatcher_log_path, "w")
        self.dispatchers = []
        self.next_rut = 40_000_000 + (seed % 997) * 20_000
        self.postgres_log = stack.state / "log" / "postgres.log"
        self.log_offsets = (self.postgres_log.stat().st_size, len(stack.log()))
        print(f"fault suite seed {seed} (FAULT_SEED={seed} replays it)")
        # Nothing of another test is left to dial: only this campaign's calls are placed.
        stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")

    # Setting up ---------------------------------------------------------------------------------
    def open_accounts(self, count, rows):
        for index in range(count):
            poor = index == count - 1  # runs out of credit, its jobs suspended until a top-up
            account = new_account(self.stack, self.admin, initial_credits=60.0 if poor else 5000.0)
            self.accounts.append(account["account_id"])
            status, body = self.upload(account["account_id"], rows)
            assert status == 201, body
            # The poor account's holds then cost 25 credits each (5 minutes at 5 a minute).
            self.stack.api("PATCH", f"/api/v1/accounts/{account['account_id']}", self.admin, json={
                "max_concurrent_calls": 15, "daily_call_limit": 100000, **({"cost_per_minute": 5} if poor else {})})
        self.topups_before = self.topup_rows()

    def topup_rows(self):
        return int(self.stack.psql(
            "SELECT count(*) FROM credit_transactions WHERE type LIKE 'topup%' AND account_id IN "
            f"(SELECT id FROM accounts WHERE account_id IN ({self.account_list()}))"))

    def account_list(self):
        return ", ".join(f"'{account}'" for account in self.accounts)

    def start_dispatchers(self, count):
        self.dispatchers = [start_dispatcher(self.stack, self.fake, self.dispatcher_log) for _ in range(count)]

    # Traffic ------------------------------------------------------------------------------------
    def upload(self, account_id, rows):
        name = f"Falla {uuid.uuid4().hex[:10]}"
        content = contact_list(self.next_rut, rows, self.generator)
        self.next_rut += rows
        self.uploads[name] = rows
        status, body = self.clients.send(
            "upload", name, "POST", "/api/v1/batches/excel/create", timeout=120,
            files={"file": ("lista.csv", content)},
            data={"account_id": account_id, "batch_name": name, "call_settings_json": SETTINGS})
        if status == 201:
            self.batches.append(body["batch_id"])
            # Due from before the test clock, once PostgreSQL answers (it may be restarting).
            wait_until(lambda: due_before_any_test_clock(self.stack, body) is None, "PostgreSQL to answer",
                       timeout=60, interval=0.3)
        return status, body

    def topup(self, generator, key=None):
        key = key or f"fault-{uuid.uuid4().hex}"
        if key not in self.topups:
            self.topups[key] = (generator.choice(self.accounts), f"{generator.randrange(1, 2000) / 100:.2f}")
        account, credits = self.topups[key]
        return self.clients.send("topup", key, "POST", f"/api/v1/accounts/{account}/topup",
                                 headers={"Idempotency-Key": key}, json={"credits": float(credits)})

    def webhook(self, event, call, key=WEBHOOK_KEY, timestamp_ms=None, kind="webhook"):
        body = json.dumps({"event": event, "call": call}).encode()
        return self.clients.send(kind, (event, call["call_id"], body), "POST", "/api/v1/webhooks/retell", data=body,
                                 headers={"Content-Type": "application/json",
                                          "x-retell-signature": signature(body, key, timestamp_ms)})

    def run_traffic(self):
        loops = [self.upload_loop, self.topup_loop, self.lifecycle_loop, self.webhook_loop]
        for number, loop in enumerate(loops):
            thread = threading.Thread(target=self.guarded, args=(loop, random.Random(self.seed * 31 + number)))
            thread.start()
            self.threads.append(thread)

    def guarded(self, loop, generator):
        try:
            while not self.stop.is_set():
                loop(generator)
        except BaseException as error:  # an assertion in a client thread fails the scenario
            self.traffic_error = error
            raise

    def upload_loop(self, generator):
        time.sleep(generator.uniform(1.0, 2.5))
        self.upload(generator.choice(self.accounts), generator.randrange(10, 40))

    def topup_loop(self, generator):
        time.sleep(generator.uniform(0.3, 1.0))
        if generator.random() < 0.25:
            # The same key twice at once: one top-up, the other its replay (or a 409 while in flight).
            key = f"fault-{uuid.uuid4().hex}"
            self.topup(generator, key)  # fixes the account and amount for the key
            both = [threading.Thread(target=self.topup, args=(generator, key)) for _ in range(2)]
            for thread in both:
                thread.start()
            for thread in both:
                thread.join()
        else:
            self.topup(generator)

    def lifecycle_loop(self, generator):
        time.sleep(generator.uniform(0.1, 0.4))
        if not self.batches:
            return
        batch = generator.choice(self.batches)
        action = generator.choice(["pause", "resume", "resume", "retry", "cancel_job", "cancel_job", "cancel_batch"])
        if action in ("pause", "resume"):
            self.clients.send(action, batch, "PUT", f"/api/v1/batches/{batch}/{action}")
        elif action == "cancel_batch":
            if generator.random() < 0.2 and batch not in self.batches[:len(self.accounts)]:
                self.clients.send("cancel_batch", batch, "POST", f"/api/v1/batches/{batch}/cancel")
        else:
            wanted = "failed" if action == "retry" else "pending"
            status, found = self.clients.send("list", batch, "GET", f"/api/v1/jobs?batch_id={batch}&status={wanted}&limit=5")
            if status == 200 and found["jobs"]:
                job = generator.choice(found["jobs"])["job_id"]
                self.clients.send(action, job, "PUT", f"/api/v1/jobs/{job}/{'retry' if action == 'retry' else 'cancel'}")

    def webhook_loop(self, generator):
        time.sleep(generator.uniform(0.05, 0.2))
        with self.fake.lock:
            open_calls = [call_id for call_id, call in self.fake.calls.items() if call["call_status"] == "registered"]
        if not open_calls:
            return
        call_id = generator.choice(open_calls)
        reason, duration = generator.choice([("user_hangup", 45_000), ("agent_hangup", 20_000), ("dial_no_answer", 0)])
        ended = self.fake.finish(call_id, reason, duration, status="ended" if duration else "not_connected")
        mode = generator.choice(["once", "twice_at_once", "contradicted", "reordered", "replayed", "forged"])
        self.faults[f"webhook {mode}"] += 1
        if mode == "forged":
            # A wrong key, a stale signature and a malformed header: never accepted, whatever else breaks.
            for forged in ({"key": "not the key"}, {"timestamp_ms": 1}):
                status, _ = self.webhook("call_ended", ended, kind="forged webhook", **forged)
                assert status == 401 or failed(status), status
            self.webhook("call_ended", ended)
        elif mode == "twice_at_once":
            both = [threading.Thread(target=self.webhook, args=("call_ended", ended)) for _ in range(2)]
            for thread in both:
                thread.start()
            for thread in both:
                thread.join()
        elif mode == "contradicted":
            # A second call_ended saying something else: the first report settles the call, once.
            self.webhook("call_ended", ended)
            self.webhook("call_ended", {**ended, "disconnection_reason": "voicemail_reached", "duration_ms": 299_000})
        elif mode == "reordered":
            analysed = {**ended, "call_analysis": {"call_summary": "Promete pagar",
                                                   "custom_analysis_data": {"fecha_pago_cliente": "15/12/2026"}}}
            self.webhook("call_analyzed", analysed)
            self.webhook("call_ended", ended)
        else:
            self.webhook("call_ended", ended)
            if mode == "replayed":
                self.webhook("call_started", ended)
                self.webhook("call_ended", ended)

    # Faults -------------------------------------------------------------------------------------
    def kill_worker(self, generator):
        workers = sorted(self.stack.worker_pids())
        os.kill(generator.choice(workers), signal.SIGKILL)

    def kill_supervisor(self, generator):
        supervisor = self.stack.pool_pid()
        os.kill(supervisor, signal.SIGKILL)
        wait_until(lambda: not process_alive(supervisor), "the supervisor to die")
        self.stack.start_pool()  # what systemd's Restart=always does

    def sighup_pool(self, generator):
        os.kill(self.stack.pool_pid(), signal.SIGHUP)

    def reload_nginx(self, generator):
        nginx = self.stack.state / "nginx"
        subprocess.run(["nginx", "-p", str(nginx), "-c", str(nginx / "nginx.conf"), "-s", "reload"], check=True,
                       capture_output=True)

    def kill_dispatcher(self, generator):
        victim = generator.randrange(len(self.dispatchers))
        self.dispatchers[victim].send_signal(signal.SIGKILL)
        self.dispatchers[victim].wait()
        self.dispatchers[victim] = start_dispatcher(self.stack, self.fake, self.dispatcher_log)

    def restart_postgres(self, generator):
        self.stack.stop_postgres()
        time.sleep(generator.uniform(0.3, 1.5))
        self.stack.start_postgres()

    def restart_postgres_during_an_upload(self, generator):
        """A 2,000-row batch creation with PostgreSQL going away in the middle of it."""
        outcome = []
        creation = threading.Thread(target=lambda: outcome.append(self.upload(generator.choice(self.accounts), 2000)))
        creation.start()
        time.sleep(generator.uniform(0.05, 2.5))  # before, during or after its commit
        self.restart_postgres(generator)
        creation.join()
        self.faults["2,000-row uploads acknowledged" if outcome[0][0] == 201 else "2,000-row uploads failed"] += 1

    def inject(self, seconds, faults):
        """`faults` (methods of this class), one every 0.5-2 s for `seconds`, in the seed's order."""
        generator = random.Random(self.seed + 7)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(generator.uniform(0.5, 2.0))
            fault = generator.choice(faults)
            fault(generator)
            self.faults[fault.__name__] += 1
            self.restart_exited_dispatchers()

    def restart_exited_dispatchers(self):
        """A dispatcher that exited on its own (PostgreSQL away) is started again, as its timer would."""
        for index, process in enumerate(self.dispatchers):
            if process.poll() is not None:
                self.faults[f"dispatcher exits (status {process.returncode})"] += 1
                self.dispatchers[index] = start_dispatcher(self.stack, self.fake, self.dispatcher_log)

    # The end ------------------------------------------------------------------------------------
    def quiesce(self):
        """Traffic stops; no new calls; what is open settles; failed requests are sent again, as
        their clients (and Retell, for webhooks) would."""
        self.stop.set()
        for thread in self.threads:
            thread.join()
        assert getattr(self, "traffic_error", None) is None, self.traffic_error
        wait_until(lambda: self.stack.get("/health").status_code == 200, "the stack to be healthy", timeout=30)
        for batch in self.batches:
            status, _ = self.clients.send("pause", batch, "PUT", f"/api/v1/batches/{batch}/pause")
            assert status in (200, 409), status
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.open_calls() != "0":
            self.restart_exited_dispatchers()
            time.sleep(0.5)
        for process in self.dispatchers:
            process.send_signal(signal.SIGTERM)
            process.wait()
        self.dispatcher_log.close()
        for kind, subject, status, _ in self.clients.of("webhook"):
            if failed(status):
                event, _, body = subject
                redelivered, _ = self.clients.send("webhook redelivered", subject, "POST", "/api/v1/webhooks/retell",
                                                   data=body, headers={"Content-Type": "application/json",
                                                                       "x-retell-signature": signature(body)})
                assert redelivered == 200, redelivered
        self.fake.close()

    def open_calls(self):
        return self.stack.psql("SELECT count(*) FROM calls WHERE settled_at IS NULL AND account_id IN "
                               f"(SELECT id FROM accounts WHERE account_id IN ({self.account_list()}))")

    def check(self):
        """Every guarantee, against the database; returns what was checked."""
        stack, checked = self.stack, []

        def holds(name, condition, detail=""):
            assert condition, f"{name}: {detail}"
            checked.append(name)

        attempts = Counter(request["metadata"]["attempt_id"] for request in self.fake.created())
        holds("no attempt placed twice with the provider", max(attempts.values()) == 1,
              [attempt for attempt, n in attempts.items() if n > 1])
        holds("every placed attempt is recorded", set(attempts) <= set(one_of(stack.psql("SELECT attempt_id FROM calls"))))
        holds("no job had two calls at once", stack.psql(
            "SELECT count(*) FROM calls a JOIN calls b ON a.job_id = b.job_id AND a.id < b.id "
            "AND b.created_at < coalesce(a.settled_at, 'infinity')") == "0")
        holds("every call settled", self.open_calls() == "0")
        holds("every hold resolved or within its expiry", stack.psql(
            "SELECT count(*) FROM credit_holds WHERE status = 'pending' AND expires_at < now()") == "0")
        holds("a job is in progress exactly while it has an open call", stack.psql(
            "SELECT count(*) FROM jobs j WHERE (j.status = 'in_progress') <> EXISTS "
            "(SELECT 1 FROM calls c WHERE c.job_id = j.id AND c.settled_at IS NULL)") == "0")
        holds("no job past its attempts", stack.psql("SELECT count(*) FROM jobs WHERE attempts > max_attempts") == "0")
        holds("no job of a cancelled batch still waiting", stack.psql(
            "SELECT count(*) FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE b.status = 'cancelled' "
            "AND j.status IN ('pending', 'scheduled', 'suspended') AND b.account_id IN "
            f"(SELECT id FROM accounts WHERE account_id IN ({self.account_list()}))") == "0")
        holds("ledger invariants and batch counters", reconciled(stack))
        # Every acknowledged batch creation is there whole; a failed one is absent or whole (its
        # commit may have happened before the connection broke), never partly written.
        acknowledged = {subject for _, subject, status, _ in self.clients.of("upload") if status == 201}
        for name, rows in self.uploads.items():
            found = one_of(stack.psql(
                "SELECT b.total_jobs, (SELECT count(*) FROM jobs j WHERE j.batch_id = b.id) FROM batches b "
                f"WHERE b.name = '{name}'"))
            if name in acknowledged:
                assert found == [f"{rows}|{rows}"], (name, rows, found)
            else:
                assert found in ([], [f"{rows}|{rows}"]), (name, rows, found)
        checked.append(f"{len(acknowledged)} acknowledged uploads whole, {len(self.uploads) - len(acknowledged)} "
                       "others absent or whole")
        # Every top-up sent again with its key: the acknowledged ones replay their transaction, the
        # failed ones happen now or replay what had happened; either way once.
        first_answer = {}
        for _, key, status, body in self.clients.of("topup"):
            if status == 200:
                first_answer.setdefault(key, body["transaction_id"])
        for key in self.topups:
            status, body = self.topup(None, key)
            assert status == 200, (key, status, body)
            assert first_answer.get(key, body["transaction_id"]) == body["transaction_id"], key
            first_answer[key] = body["transaction_id"]
        holds("each top-up key moved money once", self.topup_rows() - self.topups_before == len(self.topups),
              (self.topup_rows(), self.topups_before, len(self.topups)))
        transactions = ", ".join(f"'{transaction}'" for transaction in first_answer.values())
        holds("each top-up's transaction is in the ledger", stack.psql(
            f"SELECT count(*) FROM credit_transactions WHERE transaction_id IN ({transactions})") == str(len(first_answer)))
        for kind, table, column in (("cancel_job", "jobs", "job_id"), ("cancel_batch", "batches", "batch_id")):
            cancelled = [subject for _, subject, status, _ in self.clients.of(kind) if status == 200]
            if cancelled:
                listed = ", ".join(f"'{subject}'" for subject in cancelled)
                holds(f"{len(cancelled)} acknowledged {kind.replace('_', ' ')}s stayed cancelled", stack.psql(
                    f"SELECT count(*) FROM {table} WHERE {column} IN ({listed}) AND status <> 'cancelled'") == "0")
        settled_by_webhook = {subject[1] for kind, subject, status, body in self.clients.sent
                              if kind.startswith("webhook") and subject[0] == "call_ended" and status == 200
                              and body.get("matched")}
        if settled_by_webhook:
            listed = ", ".join(f"'{call}'" for call in settled_by_webhook)
            holds(f"{len(settled_by_webhook)} calls a webhook reported are settled", stack.psql(
                f"SELECT count(*) FROM calls WHERE provider_call_id IN ({listed}) AND settled_at IS NULL") == "0")
        forged = [status for _, _, status, _ in self.clients.of("forged webhook")]
        holds(f"{len(forged)} forged webhooks refused", all(status == 401 or failed(status) for status in forged))
        with open(self.postgres_log, errors="replace") as postgres:
            postgres.seek(self.log_offsets[0])
            logs = self.dispatcher_log_path.read_text() + postgres.read() + stack.log()[self.log_offsets[1]:]
        holds("no deadlock in any log", "40P01" not in logs and "deadlock detected" not in logs)
        return checked

    def figures(self, checked):
        provider = Counter("{} {}s".format(*self.fake.choose(request)) for request in self.fake.created())
        return (f"seed {self.seed}; {self.clients.figures()}; faults {dict(sorted(self.faults.items()))}; "
                f"provider asked {sum(provider.values())} times {dict(sorted(provider.items()))}; "
                f"jobs {self.job_statuses()}; checked {len(checked)}: " + "; ".join(checked))

    def job_statuses(self):
        rows = self.stack.psql("SELECT j.status, count(*) FROM jobs j JOIN accounts a ON a.id = j.account_id "
                               f"WHERE a.account_id IN ({self.account_list()}) GROUP BY 1 ORDER BY 1")
        return dict(row.split("|") for row in one_of(rows))


def test_a_campaign_survives_killed_workers_supervisors_dispatchers_reloads_and_a_faulty_provider(
        stack, admin, tmp_path, figures):
    campaign = Campaign(stack, admin, tmp_path, SEED)
    campaign.open_accounts(3, 40)
    campaign.start_dispatchers(2)
    campaign.run_traffic()
    campaign.inject(40, [campaign.kill_worker, campaign.kill_worker, campaign.kill_supervisor, campaign.sighup_pool,
                         campaign.reload_nginx, campaign.kill_dispatcher, campaign.kill_dispatcher])
    campaign.quiesce()
    checked = campaign.check()
    figures("fault: killed processes, reloads, a faulty provider, hostile webhooks", campaign.figures(checked))
    assert campaign.faults["kill_worker"] + campaign.faults["kill_dispatcher"] >= 5


def test_a_campaign_survives_postgresql_restarts_during_dispatch_and_batch_creation(stack, admin, tmp_path, figures):
    campaign = Campaign(stack, admin, tmp_path, SEED + 1)
    campaign.open_accounts(2, 60)
    campaign.start_dispatchers(2)
    campaign.run_traffic()
    campaign.inject(30, [campaign.restart_postgres, campaign.restart_postgres_during_an_upload,
                         campaign.kill_dispatcher])
    campaign.quiesce()
    checked = campaign.check()
    figures("fault: PostgreSQL restarts during dispatch and batch creation", campaign.figures(checked))
    assert campaign.faults["restart_postgres"] + campaign.faults["restart_postgres_during_an_upload"] >= 5
