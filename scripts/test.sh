#!/usr/bin/env bash
# `make test`: unit and PostgreSQL integration tests (swift test), then end-to-end tests through
# real nginx to the real pool and a real PostgreSQL (pytest). Everything runs in a fresh temporary
# state directory on its own ports, beside any `make run` stack, and is removed afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PG_PORT="${TEST_PG_PORT:-55439}"
export HTTP_PORT="${TEST_HTTP_PORT:-18080}"
STATE="$(mktemp -d /tmp/speechai-test.XXXXXX)"
chmod 755 "$STATE"

cleanup() {
    scripts/stack.sh stop "$STATE" >/dev/null 2>&1 || true
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
swift test --skip-build

export SPEECHAI_STACK_STATE="$STATE"
export BIN_DIR="$ROOT/.build/debug"
python3 -m pytest -q -p no:cacheprovider Tests/e2e
