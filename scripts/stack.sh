#!/usr/bin/env bash
# Starts and stops a complete SpeechAI stack in one state directory: a private PostgreSQL
# cluster, the responder pool and nginx. Used by `make run` (state in var/), by the tests and by
# the benchmarks (state in a fresh temporary directory each).
#
#   scripts/stack.sh start STATE_DIR   (env: HTTP_PORT, PG_PORT, BIN_DIR, SPEECHAI_* for the pool)
#   scripts/stack.sh stop STATE_DIR
#   scripts/stack.sh pg-start STATE_DIR | pg-stop STATE_DIR   (PostgreSQL alone; env PG_LISTEN: addresses to
#       listen on besides the unix socket, trusting the subnets they are on; PG_SETTINGS: more `-c name=value`)
#   scripts/stack.sh pool-start STATE_DIR | pool-stop STATE_DIR
#   scripts/stack.sh nginx-start STATE_DIR | nginx-stop STATE_DIR (env FCGI_SOCKET: another upstream;
#       FCGI_SERVERS: the upstream's `server` lines instead, e.g. several hosts over TCP;
#       CONSOLE_ROOT: a build of the React console to serve on the same origin, see
#       nginx/speechai-console.conf; NGINX_LOCATIONS: another locations file, for tests;
#       NGINX_LIMITS: another file of rate-limit zones, for tests)
#   scripts/stack.sh admin-key STATE_DIR   (prints a working admin key, creating $STATE_DIR/admin-key if needed)
#
# Every process is stopped by the pid it was started with, never by name.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
command="${1:?usage: stack.sh start|stop|pg-start|pg-stop|pool-start|pool-stop STATE_DIR}"
STATE="${2:?state directory required}"
mkdir -p "$STATE/log" "$STATE/run" "$STATE/nginx"
STATE="$(cd "$STATE" && pwd)"
HTTP_PORT="${HTTP_PORT:-8000}"
PG_PORT="${PG_PORT:-54329}"
BIN_DIR="${BIN_DIR:-$ROOT/.build/release}"

# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user and lives
# where that user can reach it. $STATE/pg is the cluster, or a link to it.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_dir() {
    if [ -L "$STATE/pg" ] || [ -d "$STATE/pg" ]; then
        readlink -f "$STATE/pg"
        return
    fi
    local dir="$STATE/pg"
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$dir"
        chown postgres: "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            # The checkout is somewhere postgres cannot enter: keep the cluster in a private temp dir.
            rmdir "$dir"
            dir="$(mktemp -d /tmp/speechai-pg.XXXXXX)"
            chown postgres: "$dir"
            ln -s "$dir" "$STATE/pg"
        fi
    else
        mkdir -p "$dir"
    fi
    readlink -f "$STATE/pg"
}

database_url() {
    echo "postgresql://speechai@/speechai?host=$(pg_dir)&port=$PG_PORT"
}

pg_start() {
    local dir
    dir="$(pg_dir)"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg "$PG_BIN/initdb" -D "$dir/data" -U speechai --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$STATE/log/initdb.log" 2>&1
        # Listening on a network: the hosts of the subnets it is on may connect (the multi-host test).
        if [ -n "${PG_LISTEN:-}" ]; then echo "host all all samenet trust" | as_pg tee -a "$dir/data/pg_hba.conf" >/dev/null; fi
    fi
    if ! as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
            -o "-p $PG_PORT -k $dir -c listen_addresses='${PG_LISTEN:-}' -c max_connections=200 -c shared_buffers=256MB -c fsync=${PG_FSYNC:-on} ${PG_SETTINGS:-}" >/dev/null
    fi
    as_pg "$PG_BIN/psql" -h "$dir" -p "$PG_PORT" -U speechai -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'speechai'" | grep -q 1 ||
        as_pg "$PG_BIN/createdb" -h "$dir" -p "$PG_PORT" -U speechai speechai
    # Files written into $dir by root would be unreadable to postgres; the log stays there.
    ln -sf "$dir/postgres.log" "$STATE/log/postgres.log"
}

pg_stop() {
    if [ -e "$STATE/pg" ]; then
        local dir
        dir="$(readlink -f "$STATE/pg")"
        if [ -f "$dir/data/postmaster.pid" ]; then
            as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
    fi
}

pool_start() {
    local socket="$STATE/run/fcgi.sock"
    export DATABASE_URL="${DATABASE_URL:-$(database_url)}"
    export SPEECHAI_LISTEN="$socket"
    export SPEECHAI_SOCKET_MODE="${SPEECHAI_SOCKET_MODE:-0666}"
    "$BIN_DIR/speechai-fcgi" >>"$STATE/log/fcgi.log" 2>&1 &
    echo $! >"$STATE/run/fcgi.pid"
    for _ in $(seq 1 100); do
        [ -S "$socket" ] && return 0
        kill -0 "$(cat "$STATE/run/fcgi.pid")" 2>/dev/null || { tail -20 "$STATE/log/fcgi.log" >&2; return 1; }
        sleep 0.05
    done
    echo "stack: the pool did not create $socket" >&2
    return 1
}

# The dispatcher loop (make run): a pass every second, calls through the simulator unless
# SPEECHAI_PROVIDER says otherwise.
dispatcher_start() {
    export DATABASE_URL="${DATABASE_URL:-$(database_url)}"
    "$BIN_DIR/speechai-dispatcher" loop --interval "${SPEECHAI_DISPATCH_INTERVAL:-1}" >>"$STATE/log/dispatcher.log" 2>&1 &
    echo $! >"$STATE/run/dispatcher.pid"
}

stop_pid_file() {
    local file="$1" pid
    [ -f "$file" ] || return 0
    pid="$(cat "$file")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 200); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

nginx_start() {
    local user="" access_log="$STATE/log/nginx-access.log" site_root="include $ROOT/nginx/speechai-root.conf;"
    [ "$(id -u)" = 0 ] && user="user root;"
    [ "${NGINX_ACCESS_LOG:-on}" = off ] && access_log="off"
    if [ -n "${CONSOLE_ROOT:-}" ]; then
        [ -f "$CONSOLE_ROOT/index.html" ] || { echo "stack: CONSOLE_ROOT=$CONSOLE_ROOT has no index.html" >&2; return 1; }
        site_root="set \$speechai_console_root $(cd "$CONSOLE_ROOT" && pwd); include $ROOT/nginx/speechai-console.conf;"
    fi
    sed -e "s|@STATE@|$STATE|g" -e "s|@ROOT@|$ROOT|g" -e "s|@PORT@|$HTTP_PORT|g" \
        -e "s|@SERVERS@|${FCGI_SERVERS:-server unix:${FCGI_SOCKET:-$STATE/run/fcgi.sock};}|g" \
        -e "s|@USER@|$user|g" -e "s|@ACCESS_LOG@|$access_log|g" \
        -e "s|@LOCATIONS@|${NGINX_LOCATIONS:-$ROOT/nginx/speechai-locations.conf}|g" -e "s|@SITE_ROOT@|$site_root|g" \
        -e "s|@LIMITS@|${NGINX_LIMITS:-$ROOT/nginx/speechai-limits.conf}|g" \
        "$ROOT/nginx/dev.conf.template" >"$STATE/nginx/nginx.conf"
    nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -t -q
    nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf"
    for _ in $(seq 1 100); do
        [ -s "$STATE/nginx/nginx.pid" ] && break
        sleep 0.05
    done
    cp "$STATE/nginx/nginx.pid" "$STATE/run/nginx.pid"
}

wait_healthy() {
    for _ in $(seq 1 200); do
        if curl -fsS "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "stack: http://127.0.0.1:$HTTP_PORT/health did not become healthy; see $STATE/log" >&2
    return 1
}

case "$command" in
    start)
        pg_start
        DATABASE_URL="$(database_url)" "$BIN_DIR/speechai" migrate --directory "$ROOT/sql/migrations"
        pool_start
        nginx_start
        wait_healthy
        [ "${SPEECHAI_DISPATCHER:-0}" = 1 ] && dispatcher_start
        echo "DATABASE_URL=$(database_url)" >"$STATE/run/env"
        ;;
    stop)
        stop_pid_file "$STATE/run/dispatcher.pid"
        stop_pid_file "$STATE/run/nginx.pid"
        stop_pid_file "$STATE/run/fcgi.pid"
        pg_stop
        ;;
    pg-start) pg_start; database_url ;;
    pg-stop) pg_stop ;;
    pool-start) pool_start ;;
    pool-stop) stop_pid_file "$STATE/run/fcgi.pid" ;;
    dispatcher-start) dispatcher_start ;;
    dispatcher-stop) stop_pid_file "$STATE/run/dispatcher.pid" ;;
    nginx-start) nginx_start ;;
    nginx-stop) stop_pid_file "$STATE/run/nginx.pid" ;;
    database-url) database_url ;;
    admin-key)
        # Reuse the saved key while the API accepts it (the cluster may have been recreated).
        if [ -s "$STATE/admin-key" ] && curl -fsS -o /dev/null -H "Authorization: Bearer $(cat "$STATE/admin-key")" \
            "http://127.0.0.1:$HTTP_PORT/api/v1/accounts?limit=1" 2>/dev/null; then
            cat "$STATE/admin-key"
        else
            DATABASE_URL="$(database_url)" "$BIN_DIR/speechai" keys create --admin --description "development key" \
                >"$STATE/admin-key"
            chmod 600 "$STATE/admin-key"
            cat "$STATE/admin-key"
        fi
        ;;
    *) echo "stack.sh: unknown command $command" >&2; exit 2 ;;
esac
