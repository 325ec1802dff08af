#!/usr/bin/env bash
# `make test`: unit and PostgreSQL integration tests (swift test), then end-to-end tests through
# real nginx to the real pool and a real PostgreSQL (pytest). Everything runs in a fresh temporary
# state directory on its own ports, beside any `make run` stack, and is removed afterwards.
#
# While working on one part: SKIP_UNIT=1 skips `swift test`; SKIP_FUZZ=1 the short libFuzzer run
# (FUZZ_SECONDS per harness, default 10; `make fuzz` runs the long one); E2E_ARGS replaces the pytest
# arguments (e.g. E2E_ARGS="-x Tests/e2e/test_ingestion.py"); KEEP_STATE=1 keeps the stack's state
# directory (its logs and database files) for a look afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PG_PORT="${TEST_PG_PORT:-55439}"
export HTTP_PORT="${TEST_HTTP_PORT:-18080}"
STATE="$(mktemp -d /tmp/speechai-test.XXXXXX)"
chmod 755 "$STATE"

cleanup() {
    local status=$?
    if [ "$status" != 0 ]; then
        # A failure shows the end of every log of the stack, before the state directory goes.
        for log in "$STATE"/log/*.log; do
            [ -f "$log" ] || continue
            echo "---- last lines of ${log#"$STATE"/} ----"
            tail -n 40 "$log"
        done
    fi
    scripts/stack.sh stop "$STATE" >/dev/null 2>&1 || true
    if [ "${KEEP_STATE:-0}" = 1 ]; then echo "test: state kept in $STATE"; return; fi
    local pg
    pg="$(readlink -f "$STATE/pg" 2>/dev/null || true)"
    rm -rf "$STATE"
    case "$pg" in /tmp/speechai-pg.*) rm -rf "$pg" ;; esac
}
trap cleanup EXIT

swift build --build-tests
scripts/stack.sh pg-start "$STATE" >/dev/null
export SPEECHAI_TEST_PG="host=$(readlink -f "$STATE/pg") port=$PG_PORT user=speechai"
export SPEECHAI_TEST_REQUIRE_DATABASE=1
[ "${SKIP_UNIT:-0}" = 1 ] || swift test --skip-build
# The parsers under libFuzzer for a short while: the seeds and what the corpus kept from earlier
# runs must still pass, and a few hundred thousand new inputs with them.
[ "${SKIP_FUZZ:-0}" = 1 ] || scripts/fuzz.sh "${FUZZ_SECONDS:-10}"

export SPEECHAI_STACK_STATE="$STATE"
export BIN_DIR="$ROOT/.build/debug"
# The suite sends thousands of writes a minute from one address: rate-limit zones it never reaches
# (test_nginx_site.py checks the real ones, nginx/speechai-limits.conf).
export NGINX_LIMITS="$ROOT/Tests/e2e/nginx/limits-for-the-suite.conf"
# shellcheck disable=SC2086
python3 -m pytest -q -p no:cacheprovider ${E2E_ARGS:-Tests/e2e}
