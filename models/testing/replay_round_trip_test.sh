#!/usr/bin/env bash
# Round trip (issue 6.4): a negative twin's counterexample, written by the
# model binary in the interleaving file format, replays on the native engine
# (real threads forced through the table's order) to the same violation.
# With the correct core (--mutation none) the same order either keeps the
# invariant (CORRECT_RC 0) or cannot happen at all (2: the mutation changed
# the order of the writer's own steps, as M2.3 does).
# Usage: replay_round_trip_test.sh MODEL REPLAY MUTATION CORRECT_RC
set -euo pipefail
model="$1" replay="$2" mutation="$3" correct_rc="$4"
file="${TEST_TMPDIR:-/tmp}/counterexample_${mutation}.txt"

run() {  # want_rc command...
  local want="$1" rc=0
  shift
  timeout 120 "$@" >"$file.out" 2>&1 || rc=$?
  cat "$file.out"
  if [[ $rc -ne $want ]]; then
    echo "FAIL: $* exited $rc, want $want"
    exit 1
  fi
}

run 0 "$model" --variant "$mutation" --no-history --counterexample-out "$file"
echo "--- the counterexample file:"
cat "$file"
grep -qx "mutation: $mutation" "$file"
run 1 "$replay" "$file" --engine native
grep -q "VIOLATED" "$file.out"
run "$correct_rc" "$replay" "$file" --engine native --mutation none
echo "round trip ok: $mutation"
