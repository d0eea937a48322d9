#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions run from traps look unreachable
# Runs a command against a fake OpenAI Images server started for it alone.
#
#   with_fake_server.sh [--closed] <fake-openai-server> [server args...] -- <command> [args...]
#
# Starts the server on 127.0.0.1 (any free port) with --cert-dir in a new
# temporary directory, waits for its "listening on URL" line, then runs the
# command with:
#   OPENAI_BASE_URL        the server's URL (https://127.0.0.1:PORT/v1, http:// with --plain)
#   OPENAI_API_KEY         sk-test-key (the server's default key)
#   OPENAI_IMAGES_CA_FILE  the server's test CA (TMP/ca.pem)
#   OUT_DIR                TMP/out, an empty directory for the command's files
#   TMPDIR                 TMP/tmp, so that the command's temporary files go too
# Stops the server and removes the directory afterwards, whatever happens, and
# exits with the command's exit code. The server's output is shown when the
# command fails. Set KEEP_TMP=1 to keep the directory.
#
# --closed stops the server once it has listened, before the command runs:
# OPENAI_BASE_URL then names a port on 127.0.0.1 where nothing listens any
# more, so that the command's connections are refused (a test of how it
# reports a server it cannot reach).
set -euo pipefail

usage() {
    echo "usage: with_fake_server.sh [--closed] <fake-openai-server> [server args...] -- <command> [args...]" >&2
    exit 2
}

closed=0
if [[ ${1:-} == "--closed" ]]; then
    closed=1
    shift
fi
[[ $# -ge 1 ]] || usage
server=$1
shift
server_args=()
while [[ $# -gt 0 && $1 != "--" ]]; do
    server_args+=("$1")
    shift
done
[[ $# -ge 2 ]] || usage # "--" and a command
shift
[[ -x $server ]] || { echo "with_fake_server.sh: $server is not an executable" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/with-fake-server.XXXXXX")
server_pid=""
watchdog_pid=""
command_pid=""

stop_server() {
    [[ -n $server_pid ]] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    # Up to 5 s for a clean stop, then SIGKILL.
    for _ in $(seq 50); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

cleanup() {
    [[ -z $command_pid ]] || kill -TERM "$command_pid" 2>/dev/null || true
    stop_server
    [[ -z $watchdog_pid ]] || kill "$watchdog_pid" 2>/dev/null || true
    if [[ ${KEEP_TMP:-0} == 1 ]]; then
        echo "with_fake_server.sh: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_server_output() {
    echo "--- fake server stdout ---" >&2
    cat "$tmp/server.out" >&2 || true
    echo "--- fake server stderr ---" >&2
    cat "$tmp/server.err" >&2 || true
}

"$server" --cert-dir "$tmp" "${server_args[@]}" >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!

# Should this script be killed outright (SIGKILL: no trap runs, as on a CTest
# timeout), the server must not outlive it, nor the directory.
(
    while kill -0 $$ 2>/dev/null; do sleep 1; done
    kill -KILL "$server_pid" 2>/dev/null
    sleep 0.2
    [[ ${KEEP_TMP:-0} == 1 ]] || rm -rf "$tmp"
) </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

# Wait up to 30 s for "listening on URL".
url=""
for _ in $(seq 300); do
    line=$(grep -m1 '^listening on ' "$tmp/server.out" || true)
    if [[ -n $line ]]; then
        url=${line#listening on }
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "with_fake_server.sh: the server exited before listening" >&2
        show_server_output
        exit 1
    fi
    sleep 0.1
done
if [[ -z $url ]]; then
    echo "with_fake_server.sh: the server did not start listening within 30 s" >&2
    show_server_output
    exit 1
fi
if [[ ! $url =~ ^https?://127\.0\.0\.1:[0-9]+/v1$ ]]; then
    echo "with_fake_server.sh: unexpected server URL '$url' (only 127.0.0.1 is allowed)" >&2
    exit 1
fi

if [[ $closed -eq 1 ]]; then
    stop_server
    echo "with_fake_server.sh: --closed: the server at $url is stopped; nothing listens there" >&2
fi

mkdir -p "$tmp/out" "$tmp/tmp"
export OPENAI_BASE_URL=$url
export OPENAI_API_KEY=sk-test-key
export OPENAI_IMAGES_CA_FILE=$tmp/ca.pem
export OUT_DIR=$tmp/out
export TMPDIR=$tmp/tmp

# In the background, so that a SIGTERM or SIGINT sent to this script is acted
# on at once (the command gets SIGTERM); stdin stays the command's.
rc=0
"$@" <&0 &
command_pid=$!
wait "$command_pid" || rc=$?
command_pid=""
if [[ $rc -ne 0 ]]; then
    echo "with_fake_server.sh: '$*' exited with $rc" >&2
    show_server_output
fi
exit "$rc"
