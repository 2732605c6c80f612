#!/usr/bin/env bash
# Round trip (issue 6.4): a negative twin's counterexample, written by the
# Relacy model binary in the interleaving file format, is replayed by
# //:replay. Each expected exit code is checked:
#   NATIVE_RC   replay FILE --engine native (1: the same violation)
#   CORRECT_RC  replay FILE --engine native --mutation none (0: the correct
#               core keeps the invariant in the same order; 2: the order
#               cannot happen without the mutation); "-" skips it
#   RELACY_RC   replay FILE --engine relacy; "-" skips it
# SEARCH is the model's --search ("declared": the model's own search).
# EXPECT, if given, is a text the native replay's output must contain (no
# single quotes: Bazel passes it quoted).
# Usage: round_trip_model_test.sh MODEL REPLAY MUTATION SEARCH NATIVE_RC CORRECT_RC RELACY_RC [EXPECT]
set -euo pipefail
model="$1" replay="$2" mutation="$3" search="$4" native_rc="$5" correct_rc="$6" relacy_rc="$7"
expect="${8:-}"
file="${TEST_TMPDIR:-/tmp}/counterexample_${mutation}.txt"

run() {  # want_rc command...
  local want="$1" rc=0
  shift
  echo "\$ $*"
  timeout 120 "$@" >"$file.out" 2>&1 || rc=$?
  cat "$file.out"
  if [[ $rc -ne $want ]]; then
    echo "FAIL: $* exited $rc, want $want"
    exit 1
  fi
}

search_args=()
[[ "$search" != declared ]] && search_args=(--search "$search")
run 0 "$model" --variant "$mutation" "${search_args[@]}" --no-history --counterexample-out "$file"
echo "--- the counterexample file:"
cat "$file"
if ! grep -qx "mutation: $mutation" "$file"; then
  echo "FAIL: the counterexample file has no 'mutation: $mutation' line"
  exit 1
fi

run "$native_rc" "$replay" "$file" --engine native
if [[ $native_rc -eq 1 ]] && ! grep -q "VIOLATED" "$file.out"; then
  echo "FAIL: exit 1 without a VIOLATED verdict"
  exit 1
fi
if [[ -n "$expect" ]] && ! grep -qF -- "$expect" "$file.out"; then
  echo "FAIL: the native replay does not say: $expect"
  exit 1
fi
[[ "$correct_rc" != - ]] && run "$correct_rc" "$replay" "$file" --engine native --mutation none
[[ "$relacy_rc" != - ]] && run "$relacy_rc" "$replay" "$file" --engine relacy
echo "round trip ok: $mutation (search $search)"
