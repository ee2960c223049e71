#!/usr/bin/env bash
# Loads the built-in dashboard in headless Chromium against a running OrderServiceHTTP: screenshots
# of the instance list and of an instance's timeline, and checks of the DOM after the page's scripts
# ran (the instances and their statuses are there). Screenshots go to .build/screenshots (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

binary=.build/debug/OrderServiceHTTP
[ -x "$binary" ] || swift build
shots=.build/screenshots
mkdir -p "$shots"
journal=$(mktemp -d)
key=dashboard-check-key
server=""
cleanup() {
    [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
    rm -rf "$journal"
}
trap cleanup EXIT

"$binary" --port 0 --journal "$journal" --key "$key" --payment-timeout 600 --step-latency 50 \
    > "$shots/server.log" 2>&1 &
server=$!
base=""
for _ in $(seq 1 100); do
    base=$(grep -o 'http://127.0.0.1:[0-9]*' "$shots/server.log" 2>/dev/null | head -1 || true)
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { echo "FAIL: the server did not start" >&2; cat "$shots/server.log" >&2; exit 1; }
api="$base/runtime/webhooks/durabletask"

fail() { echo "FAIL: $*" >&2; exit 1; }
status_of() { curl -fs "$api/instances/$1?code=$key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["runtimeStatus"])' || true; }
wait_custom() {  # until the order waits for its payment
    for _ in $(seq 1 200); do
        curl -fs "$base/order/$1/status" | grep -q awaitingPayment && return 0
        sleep 0.1
    done
    fail "order $1 never reached awaitingPayment"
}

curl -fs -X POST "$base/order/start/paid-session" -o /dev/null || fail "start paid-session"
curl -fs -X POST "$base/order/start/waiting-session" -o /dev/null || fail "start waiting-session"
paid=paid-session   # the order's instance id is its session id
wait_custom "$paid"
curl -fs "$base/order/$paid/payment-accepted" -o /dev/null || fail "payment-accepted"
for _ in $(seq 1 200); do [ "$(status_of "$paid")" = Completed ] && break; sleep 0.1; done
[ "$(status_of "$paid")" = Completed ] || fail "paid order did not complete"

chrome() { chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=4000 "$@" 2>/dev/null; }
page="$api/dashboard?code=$key"

chrome --window-size=1400,900 --screenshot="$shots/dashboard-list.png" "$page" >/dev/null
chrome --window-size=1400,1100 --screenshot="$shots/dashboard-instance.png" "$page#/instance/$paid" >/dev/null
[ -s "$shots/dashboard-list.png" ] && [ -s "$shots/dashboard-instance.png" ] || fail "no screenshots"

list_dom=$(chrome --dump-dom "$page")
rows=$(grep -o '<tr class="instance-row[^>]*>' <<<"$list_dom" || true)
[ "$(grep -c 'data-instance-id=' <<<"$rows")" -ge 4 ] || fail "the list shows fewer than 4 instances: $rows"
grep -q "data-instance-id=\"$paid\"[^>]*data-status=\"Completed\"\|data-status=\"Completed\"[^>]*data-instance-id=\"$paid\"" <<<"$rows" \
    || fail "the paid order is not listed as Completed"
grep -q 'data-status="Running"' <<<"$rows" || fail "no Running instance listed"

instance_dom=$(chrome --dump-dom "$page#/instance/$paid")
bars=$(grep -o 'class="timeline-bar[^"]*"' <<<"$instance_dom" | wc -l)
[ "$bars" -ge 6 ] || fail "the timeline of $paid has $bars bars (6 activities and the payment expected)"
echo "PASS: dashboard lists $(grep -c 'data-instance-id=' <<<"$rows") instances; $paid's timeline has $bars bars; screenshots in $PWD/$shots"
