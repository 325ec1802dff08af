"""The restore drill of the README ("Backup and restore"): a campaign half done, its database dumped with
pg_dump (the cluster's roles with pg_dumpall --roles-only), restored into a fresh cluster, where the
reconciliation reports are clean and the real dispatcher goes on from where the dump left it: the contact
who was not reached is called once more, the ones already reached are not called again."""
import os
import subprocess
import tempfile
import time
from pathlib import Path

from conftest import STACK
from test_dispatch import WEDNESDAY_NOON, calls, campaign, dispatch, reconciled

PG_BIN = "/usr/lib/postgresql/15/bin"


def attempts(stack, batch, url=None):
    """(phone, attempt) of every call of the batch, in order."""
    return [tuple(row) for row in calls(stack, batch, "phone, attempt", url)]


def test_a_dump_restored_into_a_fresh_cluster_resumes_without_calling_anyone_twice(stack, admin, tmp_path, figures):
    stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    # Two contacts answer; the third does not and is due again 24 hours later (retry_delay_hours).
    _, batch = campaign(stack, admin, ["+56912345670", "+56912345673", "+56912345676"], first_rut=50_000_000)
    dispatch(stack, now=WEDNESDAY_NOON)
    before = attempts(stack, batch)
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
        started = time.monotonic()
        restored = subprocess.run([f"{PG_BIN}/pg_restore", "--exit-on-error", "--dbname", target, str(dump)],
                                  capture_output=True, text=True, timeout=300)
        restore_seconds = time.monotonic() - started
        assert restored.returncode == 0, restored.stderr
        assert attempts(stack, batch, target) == before
        assert stack.psql("SELECT count(*) FROM schema_migrations", target) == stack.psql("SELECT count(*) FROM schema_migrations")
        assert reconciled(stack, target)

        # The day after, on the restored database: only the contact who did not answer is called, once.
        dispatch(stack, now="2026-12-03T15:30:00Z", DATABASE_URL=target)
        after = attempts(stack, batch, target)
        assert after[:3] == before and after[3:] == [("+56912345676", "2")]
        assert len(set(after)) == len(after)
        assert stack.psql("SELECT count(*) FROM calls WHERE settled_at IS NULL", target) == "0"
        assert reconciled(stack, target)
        # A second pass finds nobody due.
        assert "claimed=0" in dispatch(stack, now="2026-12-03T15:31:00Z", DATABASE_URL=target)
        assert attempts(stack, batch, target) == after
        figures("restore: a half-done campaign dumped and restored into a fresh cluster",
                f"dump {dump.stat().st_size // 1024} KB of {stack.psql('SELECT count(*) FROM jobs')} jobs and "
                f"{stack.psql('SELECT count(*) FROM calls')} calls, restored in {restore_seconds:.1f} s; reports clean "
                f"before and after; {len(before)} calls before, {len(after) - len(before)} after (the one not reached), "
                "none twice")
    finally:
        subprocess.run([str(STACK), "pg-stop", str(state)], env=env, stdout=subprocess.DEVNULL)
        cluster = os.path.realpath(state / "pg")
        subprocess.run(["rm", "-rf", str(state), cluster if cluster.startswith("/tmp/speechai-pg.") else str(state)])
