#!/usr/bin/env bash
# Runs the runner over the suite with --json and checks each test's LKMM
# verdict, Relacy verdict and status with suite_check against
# suite_expected.txt (observed counts vary from run to run, so they are not
# compared). Usage: suite_test.sh [--trials N] RUNNER CHECKER EXPECTED FILE...
set -euo pipefail
trials=20000
if [[ "$1" == "--trials" ]]; then
  trials="$2"
  shift 2
fi
runner="$1"
checker="$2"
expected="$3"
shift 3

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
rc=0
# Relacy is the second opinion: the four-process RCU tests are beyond its
# reach, and its timeout is noted, not an error.
"$runner" --trials "$trials" --relacy-timeout 5 --json "$@" >"$out" || rc=$?
if [[ $rc -ne 0 ]]; then
  cat "$out"
  echo "runner exited with $rc" >&2
  exit 1
fi
"$checker" "$out" "$expected"
