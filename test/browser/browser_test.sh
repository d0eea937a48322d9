#!/usr/bin/env bash
# image_server's page in headless Chromium, against the fake server (run by
# with_fake_server.sh, which sets OPENAI_BASE_URL, OPENAI_API_KEY and
# OPENAI_IMAGES_CA_FILE):
#   1. 4 pages at once, each drawing its own prompt with 3 partial images:
#      each page received and decoded the 3 partials in order and the final
#      image (devtools_check reads what the page wrote), and its screenshot
#      is saved;
#   2. 4 more pages: the server's one client served all 8 streams with one
#      request each (none sent twice), on at most 4 connections, reused.
# Chromium resolves no name: every host but 127.0.0.1 is "not found".
# Usage: browser_test.sh IMAGE_SERVER DEVTOOLS_CHECK CHROMIUM WORK_DIR SCREENSHOT_DIR
set -euo pipefail

image_server=$1
check=$2
chromium=$3
work=$4
shots=$5

rm -rf "$work" "$shots"
mkdir -p "$work/profile" "$shots"

pids=""
cleanup() {
  for pid in $pids; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do
    [ -s "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}

# Polls for a line or a file a process writes when it is ready (not a wait
# for a result: the checks below read what the programs report).
wait_for() {  # wait_for PID WHAT TEST...
  local pid=$1 what=$2
  shift 2
  for _ in $(seq 1 300); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || fail "$what exited"
    sleep 0.1
  done
  fail "$what did not start"
}

"$image_server" >"$work/image_server.out" 2>"$work/image_server.err" &
server_pid=$!
pids="$server_pid"
wait_for "$server_pid" image_server grep -q "^serving " "$work/image_server.out"
page=$(sed -n 's/^serving \(http:\/\/127\.0\.0\.1:[0-9]*\/\) .*/\1/p' "$work/image_server.out")
[ -n "$page" ] || fail "image_server did not say where it serves"

"$chromium" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
  --remote-debugging-port=0 --window-size=800,900 \
  --no-first-run --no-default-browser-check --disable-extensions --disable-sync \
  --disable-background-networking --disable-component-update --disable-default-apps \
  --disable-domain-reliability --disable-client-side-phishing-detection --no-pings \
  --disable-background-timer-throttling --disable-renderer-backgrounding \
  --disable-backgrounding-occluded-windows \
  --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
  about:blank >"$work/chromium.out" 2>"$work/chromium.err" &
browser_pid=$!
pids="$pids $browser_pid"
wait_for "$browser_pid" chromium test -s "$work/profile/DevToolsActivePort"

"$check" "$work/profile" "$page" 4 3 "$shots" >"$work/wave1.out" 2>"$work/wave1.err" ||
  fail "the first 4 pages: devtools_check exit $?"
cat "$work/wave1.out"
"$check" "$work/profile" "$page" 4 3 "$shots/again" >"$work/wave2.out" 2>"$work/wave2.err" ||
  fail "the next 4 pages: devtools_check exit $?"
cat "$work/wave2.out"
for k in 1 2 3 4; do
  [ "$(head -c 8 "$shots/page-$k.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
    fail "no screenshot of page $k"
done

stats=$(curl -sS --max-time 10 "${page}stats")
echo "image_server stats: $stats"
python3 - "$stats" <<'PY' || fail "the shared client's statistics"
import json, sys
s = json.loads(sys.argv[1])
assert s["requests"] == 8, f"{s['requests']} requests to the API for 8 streams"
assert 1 <= s["connections_opened"] <= 4, f"{s['connections_opened']} connections opened"
assert s["connections_reused"] >= 4, f"{s['connections_reused']} connections reused"
PY
echo "browser test ok: 8 pages, each 3 partial images and the final one, on one shared pool"
