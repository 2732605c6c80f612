#!/usr/bin/env bash
# Runs the runner over the suite and compares each test's model verdict and
# status with suite_expected.txt (observed counts vary from run to run, so
# they are not compared). Usage: suite_test.sh [--trials N] RUNNER EXPECTED FILE...
set -euo pipefail
trials=20000
if [[ "$1" == "--trials" ]]; then
  trials="$2"
  shift 2
fi
runner="$1"
expected="$2"
shift 2

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
rc=0
"$runner" --trials "$trials" --quiet "$@" >"$out" || rc=$?
cat "$out"
if [[ $rc -ne 0 ]]; then
  echo "runner exited with $rc" >&2
  exit 1
fi

# Summary rows: name declared model observed trials/s status...
actual="$(awk 'NR > 1 && NF >= 6 && $1 != "(Model*" && $2 != "tests:" { s = $6; for (i = 7; i <= NF; i++) s = s " " $i; print $1, $3, s }' "$out" | sort)"
if ! diff <(sort "$expected" | grep -v '^#') <(echo "$actual"); then
  echo "statuses differ from $expected (< expected, > actual)" >&2
  exit 1
fi
echo "PASS: $# tests match $expected"
