"""The restore drill of the README ("Backup and restore"): a campaign half done, its database dumped with
pg_dump (the cluster's roles with pg_dumpall --roles-only), restored into a fresh cluster, where the
reconciliation reports are clean and the real dispatcher goes on from where the dump left it: the contact
who was not reached is called once more, the ones already reached are not called again."""
import os
import subprocess
import tempfile
from pathlib import Path

from test_dispatch import WEDNESDAY_NOON, campaign, dispatch

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "scripts" / "stack.sh"
PG_BIN = "/usr/lib/postgresql/15/bin"


def psql(url, sql):
    result = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", url, "-c", sql], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def clean(url):
    """Both analysts' checks say every row is consistent (the ledger invariants and the batch counters)."""
    reports = [psql(url, (ROOT / "sql" / "reports" / name).read_text())
               for name in ("ledger_reconciliation.sql", "batch_counters.sql")]
    return all(line.endswith("|t") for report in reports for line in report.splitlines())


def attempts(url, batch):
    """(phone, attempt) of every call of the batch, in order."""
    rows = psql(url, "SELECT phone, attempt FROM calls WHERE batch_id = "
                     f"(SELECT id FROM batches WHERE batch_id = '{batch['batch_id']}') ORDER BY id")
    return [tuple(row.split("|")) for row in rows.splitlines()]


def test_a_dump_restored_into_a_fresh_cluster_resumes_without_calling_anyone_twice(stack, admin, tmp_path):
    stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    # Two contacts answer; the third does not and is due again 24 hours later (retry_delay_hours).
    _, batch = campaign(stack, admin, ["+56912345670", "+56912345673", "+56912345676"], first_rut=50_000_000)
    dispatch(stack, now=WEDNESDAY_NOON)
    before = attempts(stack.database_url(), batch)
    assert sorted(before) == [("+56912345670", "1"), ("+56912345673", "1"), ("+56912345676", "1")]

    dump, roles = tmp_path / "speechai.dump", tmp_path / "roles.sql"
    source = stack.database_url()
    subprocess.run([f"{PG_BIN}/pg_dump", "--format=custom", "--file", str(dump), source], check=True, timeout=120)
    with roles.open("w") as out:
        subprocess.run([f"{PG_BIN}/pg_dumpall", "--roles-only", "--dbname", source], check=True, stdout=out, timeout=60)

    # A fresh cluster of its own (scripts/stack.sh pg-start: initdb as postgres, database speechai), on another port.
    state = Path(tempfile.mkdtemp(prefix="speechai-restore."))
    state.chmod(0o755)
    env = dict(os.environ, PG_PORT=str(int(os.environ.get("PG_PORT", "55439")) + 17))
    try:
        subprocess.run([str(STACK), "pg-start", str(state)], check=True, env=env, stdout=subprocess.DEVNULL)
        target = subprocess.run([str(STACK), "database-url", str(state)], check=True, env=env, capture_output=True,
                                text=True).stdout.strip()
        # The roles first (the dump's grants name them); the one the cluster already has is reported and skipped.
        subprocess.run(["psql", "-Xq", target, "-f", str(roles)], check=True, capture_output=True, timeout=60)
        restored = subprocess.run([f"{PG_BIN}/pg_restore", "--exit-on-error", "--dbname", target, str(dump)],
                                  capture_output=True, text=True, timeout=300)
        assert restored.returncode == 0, restored.stderr
        assert attempts(target, batch) == before
        assert psql(target, "SELECT count(*) FROM schema_migrations") == psql(source, "SELECT count(*) FROM schema_migrations")
        assert clean(target)

        # The day after, on the restored database: only the contact who did not answer is called, once.
        dispatch(stack, now="2026-12-03T15:30:00Z", DATABASE_URL=target)
        after = attempts(target, batch)
        assert after[:3] == before and after[3:] == [("+56912345676", "2")]
        assert len(set(after)) == len(after)
        assert psql(target, "SELECT count(*) FROM calls WHERE settled_at IS NULL") == "0"
        assert clean(target)
        # A second pass finds nobody due.
        assert "claimed=0" in dispatch(stack, now="2026-12-03T15:31:00Z", DATABASE_URL=target)
        assert attempts(target, batch) == after
    finally:
        subprocess.run([str(STACK), "pg-stop", str(state)], env=env, stdout=subprocess.DEVNULL)
        cluster = os.path.realpath(state / "pg")
        subprocess.run(["rm", "-rf", str(state), cluster if cluster.startswith("/tmp/speechai-pg.") else str(state)])
