"""The served OpenAPI document checked against the server by schemathesis, through nginx: every operation
with generated valid and invalid requests, every check (`--checks all`: no 5xx, responses conform to their
schemas, schema-valid requests accepted, schema-invalid ones refused, status codes and headers documented).

Path parameters (and the account an upload names) point at real rows seeded here: an account, batches, jobs,
a dialled call, a do-not-call number; so the operations reach their logic instead of answering 404; the destructive operations (delete,
cancel) get rows of their own so that the others keep theirs. The only failures dropped are the ones
schemathesis_hooks.py explains. Volume is bounded (examples per operation, one seed) so that the run stays a
few minutes; `make fuzz` runs the same document with more examples."""
import os
import subprocess
import sys
from pathlib import Path

from test_accounts import new_account
from test_dispatch import dispatch
from test_reporting import contact, post_batch

HERE = Path(__file__).resolve().parent
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "10")


def job_ids(stack, batch):
    return stack.psql(f"SELECT string_agg(job_id, ' ' ORDER BY id) FROM jobs WHERE batch_id = "
                      f"(SELECT id FROM batches WHERE batch_id = '{batch['batch_id']}')").split()


def seeded_rows(stack, admin):
    """Rows for every path parameter: {operation name regex: {location.parameter: value}}."""
    stack.psql("UPDATE batches SET status = 'cancelled', cancelled_at = now() WHERE status IN ('active', 'paused')")
    account = new_account(stack, admin, initial_credits=100.0, country="CL")
    dialled = post_batch(stack, admin, account, [contact("CONTESTA", 30_000_001, "+56912345673"),
                                                 contact("OTRO", 30_000_002, "+56912345674")])
    dispatch(stack)
    kept = post_batch(stack, admin, account, [contact("UNO", 30_000_003, "+56912345601"),
                                              contact("DOS", 30_000_004, "+56912345602")])
    doomed = post_batch(stack, admin, account, [contact("TRES", 30_000_005, "+56912345603")])
    kept_job, doomed_job = job_ids(stack, kept)
    call_id = stack.psql(f"SELECT attempt_id FROM calls WHERE batch_id = "
                         f"(SELECT id FROM batches WHERE batch_id = '{dialled['batch_id']}') LIMIT 1")
    response = stack.api("POST", f"/api/v1/accounts/{account['account_id']}/do-not-call", admin,
                         json={"phones": ["+56912345699"], "reason": "pidió no ser llamado"})
    assert response.status_code in (200, 201), response.text
    assert call_id, "the dispatcher dialled nothing"
    # Operation names ("METHOD /path"), matched by regex; no name matches two of them. Values are keyed as
    # schemathesis.toml keys them: "path.id", "body.account_id".
    account_id = account["account_id"]
    return {
        r"^\S+ /api/v1/accounts/\{id\}/do-not-call/\{phone\}$": {"path.id": account_id, "path.phone": "+56912345699"},
        r"^\S+ /api/v1/accounts/\{id\}(?!/do-not-call/\{phone\}$)": {"path.id": account_id},
        r"^(DELETE /api/v1/batches/\{id\}|POST /api/v1/batches/\{id\}/cancel)$": {"path.id": doomed["batch_id"]},
        r"^(?!DELETE /api/v1/batches/\{id\}$)(?!POST /api/v1/batches/\{id\}/cancel$)\S+ /api/v1/batches/\{id\}": {"path.id": kept["batch_id"]},
        r"^(DELETE /api/v1/jobs/\{id\}|PUT /api/v1/jobs/\{id\}/cancel)$": {"path.id": doomed_job},
        r"^(GET /api/v1/jobs/\{id\}|PUT /api/v1/jobs/\{id\}/retry)$": {"path.id": kept_job},
        r"^GET /api/v1/calls/\{call_id\}$": {"path.call_id": call_id},
        # The uploads and POST /api/v1/batches name their account in the body: a real one lets them reach the list.
        r"^POST /api/v1/batches(/excel/create|/excel/preview|/(chile|argentina)/(debt_collection|marketing))?$":
            {"body.account_id": account_id},
    }


def config_file(path: Path, rows) -> Path:
    """A schemathesis.toml with one [[operations]] table per entry of `rows`."""
    def toml_string(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = []
    for regex, parameters in rows.items():
        values = ", ".join(f"{toml_string(key)} = {toml_string(value)}" for key, value in parameters.items())
        lines += ["[[operations]]", f"include-name-regex = {toml_string(regex)}", f"parameters = {{ {values} }}", ""]
    path.write_text("\n".join(lines))
    return path


def test_the_served_document_holds_against_the_server(stack, admin, tmp_path):
    rows = seeded_rows(stack, admin)
    config = config_file(tmp_path / "schemathesis.toml", rows)
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", stack.url("/openapi.json"),
               "--checks", "all", "--max-examples", EXAMPLES, "--seed", "1", "--workers", "1",
               "--header", f"Authorization: Bearer {admin}", "--request-timeout", "30", "--no-color"]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks", PYTHONPATH=str(HERE))
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200)
    print(result.stdout[-6_000:])  # the summary, shown with pytest -s
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
