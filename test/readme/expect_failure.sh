#!/usr/bin/env bash
# Runs a command that must fail loudly:
#
#   expect_failure.sh <stderr-regex> -- <command> [args...]
#
# Passes (exit 0) only when the command exits with a status from 1 to 125 (not
# 0, not killed by a signal or aborted: a crash is not a report) and its
# stderr matches the extended regular expression <stderr-regex> (grep -E; an
# empty regex asks for any non-blank stderr). The command's stdout and stderr
# are shown either way. Used by test/readme/CMakeLists.txt to check that the
# README's programs report a failure instead of exiting 0 having done nothing.
set -uo pipefail

usage() {
    echo "usage: expect_failure.sh <stderr-regex> -- <command> [args...]" >&2
    exit 2
}
[[ $# -ge 3 && $2 == "--" ]] || usage
regex=$1
shift 2

err=$(mktemp "${TMPDIR:-/tmp}/expect-failure.XXXXXX")
trap 'rm -f "$err"' EXIT

"$@" 2>"$err"
rc=$?

echo "--- stderr of '$*' ---"
cat "$err"
echo "--- exit status $rc ---"

fail() {
    echo "expect_failure.sh: $1" >&2
    exit 1
}
if [[ $rc -eq 0 ]]; then
    fail "the command exited with 0; it was expected to fail and say why on stderr"
elif [[ $rc -gt 125 ]]; then
    fail "the command exited with $rc (a signal, an abort, or not run at all); it was expected to report the failure and exit with a status from 1 to 125"
fi
if ! grep -q '[^[:space:]]' "$err"; then
    fail "the command failed (exit status $rc) but wrote nothing on stderr"
fi
if [[ -n $regex ]] && ! grep -Eq -- "$regex" "$err"; then
    fail "the command's stderr does not match /$regex/"
fi
echo "expect_failure.sh: failed as expected (exit status $rc, stderr matches /$regex/)"
