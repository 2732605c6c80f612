#!/usr/bin/env bash
# Round trip: Relacy replays Xiao's table with M2.4 and writes the failing
# execution as an interleaving that lists every step (--write-trace); that
# file replays natively to the same violation, and with the correct core
# (--mutation none) the invariant holds.
# Usage: round_trip_test.sh REPLAY TABLE
set -euo pipefail
replay="$1" table="$2"
trace="${TEST_TMPDIR:-/tmp}/xiao_m24_trace.txt"

expect() {  # want_rc args...
  local want="$1" rc=0
  shift
  timeout 120 "$replay" "$@" >"$trace.out" 2>&1 || rc=$?
  cat "$trace.out"
  if [[ $rc -ne $want ]]; then
    echo "FAIL: replay $* exited $rc, want $want"
    exit 1
  fi
}

expect 1 "$table" --engine relacy --mutation M2.4 --write-trace "$trace"
echo "--- the written trace:"
cat "$trace"
grep -q "^mutation: M2.4$" "$trace"
expect 1 "$trace" --engine native
grep -qF "VIOLATED: torn present spte" "$trace.out"
expect 0 "$trace" --engine native --mutation none
expect 1 "$trace" --engine relacy
echo "round trip ok"
