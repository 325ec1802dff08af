"""Past one machine: the project's hosts in network namespaces made by the test itself (`ip netns`
and veth pairs on a bridge): one PostgreSQL host, two responder hosts (the pool over TCP) behind one
nginx `upstream`, two dispatcher hosts. A campaign runs while one responder host and one dispatcher
host are cut off the network mid-run. Nothing is lost or dialled twice, money and counters add up,
and nginx routes around the dead responder host: after the first failures every request succeeds.

The layout is the README's "Past one machine" (Deployment). Needs root (namespaces), as `make test`
has on the machines it runs on."""
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests

from conftest import STACK, wait_until
from fake_retell import API_KEY, FakeRetell
from test_crash import contact_list
from test_dispatch import WEDNESDAY_NOON, reconciled

ROOT = Path(__file__).resolve().parents[2]
HTTP_PORT = int(os.environ.get("HTTP_PORT", "18080")) + 7
SETTINGS = ('{"allowed_hours":{"start":"00:00","end":"23:59"},"days_of_week":[1,2,3,4,5,6,7],'
            '"max_attempts":3,"retry_delay_hours":0.25}')


def sh(*command, namespace=None, **kwargs):
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, **kwargs).stdout


class Network:
    """A bridge in this namespace and one namespace per host, each on a veth pair: cutting a host
    takes its end of the pair down, so its packets go nowhere (no reset: the silence of a dead host)."""

    def __init__(self):
        number = os.getpid() % 200 + 20
        self.prefix, self.subnet = f"sa{number}", f"10.77.{number}"
        self.bridge = f"{self.prefix}br"
        self.hosts = {}
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "addr", "add", f"{self.subnet}.1/24", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")

    @property
    def gateway(self):
        return f"{self.subnet}.1"

    def add(self, name, last_octet):
        namespace, outside, inside = f"{self.prefix}-{name}", f"{self.prefix}{name}h", f"{self.prefix}{name}n"
        sh("ip", "netns", "add", namespace)
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        sh("ip", "link", "set", inside, "netns", namespace)
        sh("ip", "link", "set", outside, "master", self.bridge, "up")
        address = f"{self.subnet}.{last_octet}"
        sh("ip", "addr", "add", f"{address}/24", "dev", inside, namespace=namespace)
        sh("ip", "link", "set", inside, "up", namespace=namespace)
        sh("ip", "link", "set", "lo", "up", namespace=namespace)
        self.hosts[name] = (namespace, outside, address)
        return namespace, address

    def cut(self, name):
        sh("ip", "link", "set", self.hosts[name][1], "down")

    def remove(self):
        for namespace, outside, _ in self.hosts.values():
            subprocess.run(["ip", "link", "del", outside], capture_output=True)
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


class Hosts:
    """The processes on the hosts, each started through `ip netns exec` (which execs: the pid is the
    process's own) and stopped by that pid."""

    def __init__(self, state):
        self.state = state
        self.processes = []

    def start(self, namespace, command, env, log_name):
        log = open(self.state / f"{log_name}.log", "w")
        process = subprocess.Popen(["ip", "netns", "exec", namespace, *command], env={**os.environ, **env},
                                   stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()


@pytest.fixture
def hosts_layout():
    if os.geteuid() != 0:
        pytest.fail("the multi-host test makes network namespaces: run make test as root")
    state = Path(tempfile.mkdtemp(prefix="speechai-hosts."))
    state.chmod(0o755)
    network, hosts = Network(), Hosts(state)
    try:
        yield network, hosts, state
    finally:
        hosts.stop_all()
        subprocess.run([STACK, "nginx-stop", str(state)], capture_output=True)
        subprocess.run([STACK, "pg-stop", str(state)], capture_output=True)
        network.remove()
        cluster = os.path.realpath(state / "pg")
        shutil.rmtree(state, ignore_errors=True)
        if cluster.startswith("/tmp/speechai-pg."):
            shutil.rmtree(cluster, ignore_errors=True)


def start_postgres(network, state):
    """PostgreSQL on its own host (scripts/stack.sh pg-start run there), reachable over TCP from the
    subnet, with server-side keepalives so that the session of a host that went silent is ended (and
    its locks freed) within seconds."""
    namespace, address = network.add("pg", 10)
    sh(STACK, "pg-start", str(state), namespace=namespace, env={
        **os.environ, "PG_PORT": "5432", "PG_LISTEN": address, "PG_FSYNC": "off",
        # tcp_user_timeout: a session whose host vanished while data was unacknowledged (keepalives
        # only probe an idle connection) is ended too.
        "PG_SETTINGS": "-c tcp_keepalives_idle=3 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3 "
                       "-c tcp_user_timeout=5000"})
    # Client-side keepalives and a TCP user timeout: a responder or dispatcher notices a silent
    # database within seconds instead of the kernel's two hours.
    return (f"postgresql://speechai@{address}:5432/speechai?connect_timeout=3&keepalives=1&keepalives_idle=3"
            "&keepalives_interval=1&keepalives_count=3&tcp_user_timeout=5000")


def test_a_campaign_survives_losing_a_responder_host_and_a_dispatcher_host(stack, hosts_layout, figures):
    network, hosts, state = hosts_layout
    database_url = start_postgres(network, state)

    def db(sql):
        """A value read from the PostgreSQL host's database."""
        return stack.psql(sql, database_url)

    stack.cli("migrate", "--directory", str(ROOT / "sql" / "migrations"), url=database_url)
    admin = stack.cli("keys", "create", "--admin", url=database_url)
    bin_dir = os.environ["BIN_DIR"]

    # Two responder hosts, each a pool of 2 listening on TCP.
    responders = {}
    for name, octet in (("w1", 21), ("w2", 22)):
        namespace, address = network.add(name, octet)
        responders[name] = hosts.start(namespace, [os.path.join(bin_dir, "speechai-fcgi")], {
            "DATABASE_URL": database_url, "SPEECHAI_LISTEN": f"{address}:9000", "SPEECHAI_WORKERS": "2",
            "RETELL_WEBHOOK_KEY": "key_fake_webhook"}, f"fcgi-{name}")
    servers = " ".join(f"server {network.hosts[name][2]}:9000 max_fails=1 fail_timeout=30s;" for name in responders)
    subprocess.run([STACK, "nginx-start", str(state)], check=True, capture_output=True, env={
        **os.environ, "HTTP_PORT": str(HTTP_PORT), "FCGI_SERVERS": servers})
    base = f"http://127.0.0.1:{HTTP_PORT}"
    headers = {"Authorization": f"Bearer {admin}"}
    wait_until(lambda: all(requests.get(base + "/health", timeout=5).status_code == 200 for _ in range(4)),
               "both responder hosts healthy", timeout=30)

    # The campaign: two accounts, a list each, due from before the dispatchers' clock.
    generator = random.Random(int(time.time()))
    accounts, batches = [], []
    for index in range(2):
        body = {"account_name": f"Hosts {index}", "contact_name": "Ana", "contact_email": "ana@empresa.cl",
                "initial_credits": 5000}
        account = requests.post(base + "/api/v1/accounts", json=body, headers=headers, timeout=10).json()["account"]
        requests.patch(f"{base}/api/v1/accounts/{account['account_id']}", json={"max_concurrent_calls": 4},
                       headers=headers, timeout=10)
        accounts.append(account["account_id"])
        created = requests.post(base + "/api/v1/batches/excel/create", headers=headers, timeout=60,
                                files={"file": ("lista.csv", contact_list(60_000_000 + index * 1000, 100, generator))},
                                data={"account_id": account["account_id"], "call_settings_json": SETTINGS})
        assert created.status_code == 201, created.text
        batches.append(created.json()["batch_id"])
    db("UPDATE jobs SET next_attempt_at = '2020-01-01'")

    fake = FakeRetell(host=network.gateway)
    fake.auto_end = True
    dispatchers = {}
    for name, octet in (("d1", 31), ("d2", 32)):
        namespace, _ = network.add(name, octet)
        dispatchers[name] = hosts.start(namespace, [os.path.join(bin_dir, "speechai-dispatcher"), "loop", "--interval", "0.3"], {
            "DATABASE_URL": database_url, "SPEECHAI_TEST_CLOCK": "1", "SPEECHAI_TEST_NOW": WEDNESDAY_NOON,
            "SPEECHAI_PROVIDER": "retell", "RETELL_BASE_URL": fake.url, "RETELL_API_KEY": API_KEY,
            "RETELL_POLL_AFTER_SECONDS": "1", "RETELL_LOST_AFTER_SECONDS": "8", "RETELL_TIMEOUT_SECONDS": "2"},
            f"dispatcher-{name}")

    # Clients read balances and top up (idempotently) through nginx the whole time.
    answers, stop = [], threading.Event()
    topups = []

    def client():
        with requests.Session() as session:
            while not stop.is_set():
                account = generator.choice(accounts)
                key = uuid.uuid4().hex
                topups.append((account, key))
                for method, path, extra in (("GET", f"/api/v1/accounts/{account}/balance", {}),
                                            ("POST", f"/api/v1/accounts/{account}/topup",
                                             {"json": {"credits": 1}, "headers": {**headers, "Idempotency-Key": key}})):
                    started = time.monotonic()
                    try:
                        status = session.request(method, base + path, timeout=10,
                                                 **{"headers": headers, **extra}).status_code
                    except requests.RequestException:
                        status = None
                    answers.append((started, time.monotonic() - started, method, status))
                time.sleep(0.02)

    clients = [threading.Thread(target=client) for _ in range(2)]
    for thread in clients:
        thread.start()
    time.sleep(3)
    waiting_at_cut = int(db("SELECT count(*) FROM jobs WHERE status IN ('pending', 'in_progress')"))
    served_before = {name: served(state, name) for name in responders}
    cut_at = time.monotonic()
    network.cut("w1")
    network.cut("d1")
    time.sleep(15)
    stop.set()
    for thread in clients:
        thread.join()

    # The surviving dispatcher finishes what is open (the silent one's attempts close as lost).
    def settled():
        return db("SELECT count(*) FROM calls WHERE settled_at IS NULL") == "0" and \
            db("SELECT count(*) FROM jobs WHERE status IN ('pending', 'in_progress')") == "0"
    try:
        wait_until(settled, "every call settled and no job left waiting", timeout=90, interval=1)
    except AssertionError as error:
        raise AssertionError(f"{error}; {where_it_stands(db, state)}") from None
    dispatchers["d2"].send_signal(signal.SIGTERM)
    dispatchers["d2"].wait()
    fake.close()

    # Every top-up sent again with its key, through the surviving host: each happened exactly once.
    for account, key in topups:
        again = requests.post(f"{base}/api/v1/accounts/{account}/topup", json={"credits": 1}, timeout=10,
                              headers={**headers, "Idempotency-Key": key})
        assert again.status_code == 200, again.text
    topup_rows = int(db("SELECT count(*) FROM credit_transactions WHERE type = 'topup_credits'"))
    assert topup_rows == len(topups) + len(accounts)  # and each account's initial credits

    attempts = Counter(request["metadata"]["attempt_id"] for request in fake.created())
    assert max(attempts.values()) == 1, "an attempt was placed twice"
    assert set(attempts) <= set(db("SELECT attempt_id FROM calls").splitlines())
    assert db("SELECT count(*) FROM calls a JOIN calls b ON a.job_id = b.job_id AND a.id < b.id "
                              "AND b.created_at < coalesce(a.settled_at, 'infinity')") == "0"
    assert db("SELECT count(*) FROM credit_holds WHERE status = 'pending'") == "0"
    assert reconciled(stack, database_url)

    # The cut came mid-run, with both responder hosts serving; nginx routed around the dead one: a
    # request sent to it waited out the connect timeout (5 s) and went to the other host, and the
    # host was then marked failed. Only a request in flight on the host at the cut may fail (its
    # client cannot know whether it took effect: the top-ups' keys above settle that); none sent
    # after the cut does.
    assert waiting_at_cut > 0 and all(count > 0 for count in served_before.values()), (waiting_at_cut, served_before)
    assert served(state, "w2") > served_before["w2"]
    failures = [(started - cut_at, method, status) for started, _, method, status in answers if status != 200]
    assert not [failure for failure in failures if failure[0] >= 0], failures
    slow_after_cut = [seconds for started, seconds, _, _ in answers if started >= cut_at and seconds > 1]
    figures("hosts: a responder host and a dispatcher host cut off mid-run",
            f"{len(answers)} client requests ({served_before} served per host before the cut), {len(failures)} failed, "
            f"{len(slow_after_cut)} waited out the connect timeout ({max(slow_after_cut or [0]):.1f} s); "
            f"{waiting_at_cut} jobs waiting at the cut; {len(fake.created())} calls placed, none twice; jobs "
            + db("SELECT string_agg(status || ' ' || n, ', ') FROM "
                                 "(SELECT status, count(*) n FROM jobs GROUP BY 1 ORDER BY 1) s")
            + "; ledger and counters reconciled")


def where_it_stands(db, state):
    """What a campaign that did not settle left behind, for the failure's message."""
    jobs = db("SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM jobs GROUP BY 1) s")
    calls = db("SELECT string_agg(status || ' ' || n, ', ') FROM "
               "(SELECT status, count(*) n FROM calls WHERE settled_at IS NULL GROUP BY 1) s")
    sessions = db("SELECT string_agg(coalesce(client_addr::text, 'local') || ' ' || coalesce(state, '') || ' '"
                  " || coalesce(wait_event_type, ''), ', ') FROM pg_stat_activity WHERE datname = 'speechai'")
    log = (state / "dispatcher-d2.log").read_text(errors="replace")[-1500:]
    return f"jobs {jobs}; open calls {calls}; sessions {sessions}; the surviving dispatcher's log ends: {log}"


def served(state, host):
    """Requests a responder host has answered, from its request log."""
    return len(re.findall(r" \d{3} \d+\.\d+ms pid=", (state / f"fcgi-{host}.log").read_text(errors="replace")))
