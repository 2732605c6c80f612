#!/usr/bin/env bash
# Runs the replay on one file with --json and checks its exit code and the
# report's data (json_check: verdicts, values by file line, outcomes).
# Usage: replay_expect.sh REPLAY JSON_CHECK FILE EXIT [CHECK]... -- [REPLAY ARGS]...
set -euo pipefail
replay="$1" check="$2" file="$3" want="$4"
shift 4
checks=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  checks+=("$1")
  shift
done
[[ $# -gt 0 ]] && shift

report="${TEST_TMPDIR:-$(mktemp -d)}/report.json"
rc=0
timeout 120 "$replay" "$file" --json "$@" >"$report" 2>"$report.err" || rc=$?
timeout 120 "$replay" "$file" "$@" 2>&1 || true  # the human report, for the test log
echo "--- exit $rc (want $want)"
failed=0
if [[ $rc -ne $want ]]; then
  echo "FAIL: exit $rc, want $want"
  cat "$report.err"
  failed=1
fi
if [[ ${#checks[@]} -gt 0 ]]; then
  "$check" "$report" "${checks[@]}" || failed=1
fi
exit $failed
