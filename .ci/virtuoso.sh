#!/usr/bin/env bash
# Start or stop a throw-away Virtuoso (Debian's virtuoso-opensource) on 127.0.0.1 for the tests.
#   .ci/virtuoso.sh start   prints the environment to export (KZBY_KG_VIRTUOSO_URL, …)
#   .ci/virtuoso.sh stop
# The database lives in a temporary folder; ports are 127.0.0.1 only.
set -euo pipefail
HTTP_PORT="${KZBY_KG_VIRTUOSO_HTTP_PORT:-18890}"
SQL_PORT="${KZBY_KG_VIRTUOSO_SQL_PORT:-11111}"
STATE="${TMPDIR:-/tmp}/kzby-kg-virtuoso"

start() {
    stop
    command -v virtuoso-t >/dev/null || { echo "virtuoso-t not found: apt-get install virtuoso-opensource" >&2; exit 1; }
    if curl -fsS "http://127.0.0.1:$HTTP_PORT/sparql?query=ASK%7B%7D" >/dev/null 2>&1; then
        echo "port $HTTP_PORT already answers: another server is running there; stop it first" >&2
        exit 1
    fi
    rm -rf "$STATE" && mkdir -p "$STATE/db"
    # Debian's stock ini, as users' servers have it: only the ports, the database paths and
    # DirsAllowed (a path) differ. Its small buffers (NumberOfBuffers 10000) and row cap
    # (ResultSetMaxRows 10000) are what push and the endpoint backend must cope with.
    local ini=/etc/virtuoso-opensource-7/virtuoso.ini
    sed -e "s|/var/lib/virtuoso-opensource-7/db|$STATE/db|g" \
        -e "s|^ServerPort[[:space:]]*=[[:space:]]*1111$|ServerPort = 127.0.0.1:$SQL_PORT|" \
        -e "s|^ServerPort[[:space:]]*=[[:space:]]*8890$|ServerPort = 127.0.0.1:$HTTP_PORT|" \
        -e "s|^DirsAllowed.*|DirsAllowed = ., /usr/share/virtuoso-opensource-7/vad, $STATE|" \
        "$ini" > "$STATE/virtuoso.ini"
    (cd "$STATE"
     nohup virtuoso-t +configfile "$STATE/virtuoso.ini" +foreground > "$STATE/stdout.log" 2>&1 &
     echo $! > "$STATE/pid")
    for _ in $(seq 1 60); do
        if curl -fsS "http://127.0.0.1:$HTTP_PORT/sparql?query=ASK%7B%7D" >/dev/null 2>&1; then
            echo "export KZBY_KG_VIRTUOSO_URL=http://127.0.0.1:$HTTP_PORT/sparql"
            echo "export KZBY_KG_VIRTUOSO_UPDATE_URL=http://127.0.0.1:$HTTP_PORT/sparql-auth"
            echo "export KZBY_KG_VIRTUOSO_GSP_URL=http://127.0.0.1:$HTTP_PORT/sparql-graph-crud-auth"
            echo "export KZBY_KG_VIRTUOSO_USER=dba KZBY_KG_VIRTUOSO_PASSWORD=dba"
            echo "export KZBY_KG_VIRTUOSO_SQL=127.0.0.1:$SQL_PORT"
            return 0
        fi
        sleep 1
    done
    echo "Virtuoso did not answer on 127.0.0.1:$HTTP_PORT; log:" >&2
    tail -20 "$STATE/db/virtuoso.log" "$STATE/stdout.log" >&2 || true
    exit 1
}

stop() {
    if [ -f "$STATE/pid" ]; then
        local pid
        pid="$(cat "$STATE/pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        # a server stuck in a long transaction ignores TERM; it must not outlive its stop
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$STATE/pid"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
