#!/usr/bin/env bash
# Drives the sample with curl on loopback: the seed's three payment outcomes, a SIGKILL mid-flow and
# restart, /metrics, bad input and authorization, and a prompt graceful exit on SIGTERM.
# Every wait is bounded; the server is killed on exit whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
# A failed build must fail CI, not leave an older binary to be tested; so must a warning in our code.
if ! swift build > /tmp/orderservicehttp-build.log 2>&1; then
    cat /tmp/orderservicehttp-build.log; echo "FAIL: build"; exit 1
fi
if grep -E 'warning: ' /tmp/orderservicehttp-build.log | grep -v '/\.build/' | grep -q 'OrderServiceHTTP/Sources'; then
    grep -E 'warning: ' /tmp/orderservicehttp-build.log; echo "FAIL: warnings in the sample"; exit 1
fi
BIN=.build/debug/OrderServiceHTTP
[[ -x $BIN ]] || { echo "FAIL: build"; exit 1; }
WORK=$(mktemp -d)
KEY=ci-key
PID=""
FAILED=0
cleanup() { [[ -n $PID ]] && kill -9 "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; FAILED=1; }

# start_server JOURNAL TIMEOUT [STEP_MS]: runs the server on a free port, sets PID and BASE.
start_server() {
    "$BIN" --port 0 --journal "$1" --key "$KEY" --payment-timeout "$2" --step-latency "${3:-100}" --grace 5 \
        >"$WORK/out" 2>>"$WORK/err" &
    PID=$!
    for _ in $(seq 100); do
        if grep -q 'listening on' "$WORK/out" 2>/dev/null; then
            BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/out" | head -1)
            return 0
        fi
        sleep 0.1
    done
    echo "FAIL: server did not start"; cat "$WORK/err"; exit 1
}
mgmt() { curl -s -H "x-functions-key: $KEY" "$@"; }
# wait_for ID FIELD VALUE: polls the status URI until "FIELD":"VALUE" appears (30 s at most).
wait_for() {
    for _ in $(seq 300); do
        mgmt "$BASE/runtime/webhooks/durabletask/instances/$1" | grep -q "\"$2\":\"$3\"" && return 0
        sleep 0.1
    done
    return 1
}
# pay ID accepted|rejected: calls the webhook once the payment instance waits (10 s at most).
pay() {
    for _ in $(seq 100); do
        [[ $(curl -s -o "$WORK/pay" -w '%{http_code}' "$BASE/order/$1/payment-$2") == 200 ]] && grep -q 'Thank you!' "$WORK/pay" && return 0
        sleep 0.1
    done
    return 1
}

start_server "$WORK/journal" 120

# (1) accepted
code=$(curl -s -o "$WORK/start" -w '%{http_code}' -X POST "$BASE/order/start/ci-paid")
STATUS_URI=$(sed -n 's/.*"statusQueryGetUri":"\([^"]*\)".*/\1/p' "$WORK/start")
first=$(mgmt -o "$WORK/s1" -w '%{http_code}' "$STATUS_URI")
if [[ $code == 202 && $first == 202 ]] && grep -q '"runtimeStatus":"Running"' "$WORK/s1" \
    && wait_for ci-paid customStatus awaitingPayment && pay ci-paid accepted && wait_for ci-paid runtimeStatus Completed \
    && [[ $(mgmt -o "$WORK/s1" -w '%{http_code}' "$STATUS_URI") == 200 ]] && grep -q '"output":"paid 134.85' "$WORK/s1"; then
    pass "(1) start → 202 Running, custom status moves, payment-accepted → 200 Completed paid"
else fail "(1) accepted flow: start=$code first=$first $(cat "$WORK/s1" 2>/dev/null)"; fi

# (2) rejected
curl -s -o /dev/null -X POST "$BASE/order/start/ci-declined"
if wait_for ci-declined customStatus awaitingPayment && pay ci-declined rejected && wait_for ci-declined runtimeStatus Completed \
    && mgmt "$BASE/runtime/webhooks/durabletask/instances/ci-declined" | grep -q '"output":"cancelled: payment declined'; then
    pass "(2) payment-rejected → Completed, cancelled output"
else fail "(2) rejected flow"; fi

# (5) metrics
metrics=$(curl -s "$BASE/metrics")
if grep -q 'durable_instances_started_total{orchestration="PlaceOrder"} 2' <<<"$metrics" \
    && grep -q 'durable_instances_finished_total{orchestration="PlaceOrder",status="Completed"} 2' <<<"$metrics" \
    && grep -q 'durable_activities_finished_total{activity="StartPayment",outcome="succeeded"}' <<<"$metrics"; then
    pass "(5) /metrics shows the counters"
else fail "(5) metrics"; echo "$metrics" | grep durable_ | head -20; fi

# (6) bad input and authorization
c1=$(curl -s -o "$WORK/e" -w '%{http_code}' -X POST "$BASE/order/start/%20")
c2=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/order/start/")
c3=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/runtime/webhooks/durabletask/instances/ci-paid")
c4=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/order/nope/status")
c5=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/order/%ZZ/status")
c6=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/order/start/a%00b")
c7=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/order/start/$(printf 'x%.0s' $(seq 257))")
# A Host that is not a plain host[:port] is not echoed into the URIs handed out: they come back relative.
curl -s -o "$WORK/h" -X POST -H 'Host: evil.example/"x' "$BASE/order/start/ci-host"
if [[ $c1 == 400 && $c2 == 400 && $c3 == 401 && $c4 == 404 && $c5 == 404 && $c6 == 400 && $c7 == 400 ]] \
    && grep -q 'SessionId is required' "$WORK/e" && grep -q '"statusQueryGetUri":"/runtime/' "$WORK/h"; then
    pass "(6) 400 for an empty, NUL-holding or 257-character session id, 401 without the key, 404 for unknown/undecodable ids, a bad Host not echoed"
else fail "(6) got $c1 $c2 $c3 $c4 $c5 $c6 $c7; $(cat "$WORK/h")"; fi

# (7) SIGTERM → exit 0 promptly
kill -TERM "$PID"
rc=timeout
for _ in $(seq 100); do
    if ! kill -0 "$PID" 2>/dev/null; then wait "$PID" && rc=0 || rc=$?; break; fi
    sleep 0.1
done
PID=""
if [[ $rc == 0 ]]; then pass "(7) SIGTERM → exit 0 within 10 s"; else fail "(7) SIGTERM: $rc"; fi

# (3) no answer → timeout
start_server "$WORK/journal-timeout" 2
curl -s -o /dev/null -X POST "$BASE/order/start/ci-silent"
if wait_for ci-silent runtimeStatus Completed \
    && mgmt "$BASE/runtime/webhooks/durabletask/instances/ci-silent" | grep -q '"output":"cancelled: no answer from the payment provider"'; then
    pass "(3) no answer → timeout → cancelled output"
else fail "(3) timeout flow"; fi
kill -9 "$PID"; wait "$PID" 2>/dev/null || true; PID=""

# (4) SIGKILL mid-flow, restart on the same journal, the order finishes after the webhook
# Steps of a second: a stage of 100 ms is easily polled past on a loaded machine.
start_server "$WORK/journal-crash" 120 1000
curl -s -o /dev/null -X POST "$BASE/order/start/ci-crash"
if wait_for ci-crash customStatus reservingStock; then
    kill -9 "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    start_server "$WORK/journal-crash" 120
    if wait_for ci-crash customStatus awaitingPayment && pay ci-crash accepted && wait_for ci-crash runtimeStatus Completed; then
        pass "(4) SIGKILL mid-flow, restart, order completes after the webhook"
    else fail "(4) after restart: $(mgmt "$BASE/runtime/webhooks/durabletask/instances/ci-crash")"; fi
else fail "(4) never reached reservingStock"; fi

if [[ $FAILED == 0 ]]; then echo "OrderServiceHTTP ci: all steps passed"; else echo "OrderServiceHTTP ci: FAILED"; cat "$WORK/err" | tail -20; exit 1; fi
