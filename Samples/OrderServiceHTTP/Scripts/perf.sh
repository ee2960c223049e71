#!/usr/bin/env bash
# Measures, does not assert: release build, then wrk against 127.0.0.1 —
# (a) GET /order/{id}/status and (b) the management API's status GET: reads/s of a parked order;
# (c) POST /order/start/{unique id} on the default file journal: starts/s and p99, each start
# running the whole seed flow behind it (its activities as fast as the activity pool allows).
# Prints the server's CPU% for each run. Bounded: DURATION seconds per run (default 10).
# STEP_LATENCY (ms, default 100) is each activity's simulated latency; LOG_LEVEL (default info,
# the service's own default: a log line per order step) set to notice leaves those lines out.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release > "${TMPDIR:-/tmp}/orderservicehttp-release.log" 2>&1 || { cat "${TMPDIR:-/tmp}/orderservicehttp-release.log"; exit 1; }
BIN=.build/release/OrderServiceHTTP
WORK=$(mktemp -d)
PID=""
cleanup() { [[ -n $PID ]] && kill -9 "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN" --port 0 --journal "$WORK/journal" --key perf --payment-timeout 3600 --step-latency "${STEP_LATENCY:-100}" \
    --log-level "${LOG_LEVEL:-info}" >"$WORK/out" 2>"$WORK/err" &
PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$WORK/out" 2>/dev/null && break; sleep 0.1; done
BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/out" | head -1)
[[ -n $BASE ]] || { echo "server did not start"; cat "$WORK/err"; exit 1; }

cat >"$WORK/start.lua" <<'LUA'
-- Each thread numbers its own requests, so every start names a new session.
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
local n = 0
function request()
    n = n + 1
    return wrk.format("POST", "/order/start/perf-" .. tid .. "-" .. n)
end
function done(summary, latency, requests)
    io.write(string.format("non-2xx/3xx or errors: %d\n",
        summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
# measure LABEL ARGS...: one bounded wrk run, then the server's CPU% over it.
measure() {
    local label=$1; shift
    local before after start end
    before=$(cpu_ticks); start=$(date +%s.%N)
    echo "== $label (${DURATION}s, $CONNECTIONS connections)"
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" | grep -E 'Requests/sec|Latency|50%|90%|99%|non-2xx|Non-2xx|errors'
    after=$(cpu_ticks); end=$(date +%s.%N)
    awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v s="$start" -v e="$end" \
        'BEGIN { printf "server CPU: %.0f%% (of 200%% on 2 cores)\n", 100 * t / hz / (e - s) }'
}

# quiet: waits (at most 60 s) until the server is under 5% CPU for a second.
quiet() {
    local before after
    for _ in $(seq 60); do
        before=$(cpu_ticks); sleep 1; after=$(cpu_ticks)
        (( (after - before) * 100 < 5 * $(getconf CLK_TCK) )) && return 0
    done
    echo "(the server did not go quiet within 60 s)"
}

# Reads first, against 100 orders parked on their payment wait: after the start run the
# runtime's activity pool (maxConcurrentActivities, 16 per core) still works through the
# started orders' steps for minutes, and the reads would measure that backlog too.
for n in $(seq 100); do curl -s -o /dev/null -X POST "$BASE/order/start/perf-parked-$n"; done
quiet
measure "GET /order/{id}/status" "$BASE/order/perf-parked-1/status"
measure "GET management status" -H "x-functions-key: perf" "$BASE/runtime/webhooks/durabletask/instances/perf-parked-1"
measure "POST /order/start/{id} (file journal)" -s "$WORK/start.lua" "$BASE"
du -sh "$WORK/journal" | awk '{print "journal size: " $1}'
