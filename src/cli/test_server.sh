# Sourced by the tool's shell tests, which set $work first:
#   fail MESSAGE        prints it and every *.out and *.err of $work, exits 1;
#   is_png FILE         whether FILE starts with the PNG signature;
#   start_fake_server NAME SERVER ARGS...  starts fake-openai-server on
#                       127.0.0.1 (port 0: it picks a free one), waits for the
#                       URL it prints and sets server_url; stop_fake_servers
#                       (which the caller traps on EXIT) stops them all.

fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do
    [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
  done
  exit 1
}

is_png() {
  [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

server_pids=""

start_fake_server() {
  local name=$1 server=$2
  shift 2
  "$server" --port 0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  server_pids="$server_pids $pid"
  server_url=""
  for _ in $(seq 1 100); do
    server_url=$(sed -n 's/^listening on \(https\{0,1\}:\/\/127\.0\.0\.1:[0-9][0-9]*\/v1\)$/\1/p' \
      "$work/$name.out")
    [ -n "$server_url" ] && return 0
    kill -0 "$pid" 2>/dev/null || fail "$name: fake-openai-server exited"
    sleep 0.1  # polling for the server's first line, not waiting for a result
  done
  fail "$name: fake-openai-server did not print its URL"
}

stop_fake_servers() {
  for pid in $server_pids; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
