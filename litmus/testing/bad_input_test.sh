#!/usr/bin/env bash
# Every malformed input in litmus/testdata/bad must make the runner exit with 2 and
# print exactly `file:line:col: message`, where `line:col: message` is the
# sidecar NAME.expected, within a time limit (no crash, no hang).
# Usage: bad_input_test.sh RUNNER FILE.litmus...
set -euo pipefail
runner="$1"
shift

failures=0
for f in "$@"; do
  expected="${f%.litmus}.expected"
  if [[ ! -f "$expected" ]]; then
    echo "FAIL $f: no sidecar $expected"
    failures=$((failures + 1))
    continue
  fi
  rc=0
  err="$(timeout 60 "$runner" --trials 100 --quiet "$f" 2>&1 >/dev/null)" || rc=$?
  want="$f:$(cat "$expected")"
  got="$(head -n 1 <<<"$err")"
  if [[ $rc -ne 2 || "$got" != "$want" ]]; then
    echo "FAIL $f (exit $rc)"
    echo "  want: $want"
    echo "  got:  $got"
    failures=$((failures + 1))
  else
    echo "ok   $f"
  fi
done
echo "$# inputs, $failures failures"
[[ $failures -eq 0 ]]
