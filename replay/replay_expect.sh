#!/usr/bin/env bash
# Runs the replay on one file and checks its exit code and output.
# Usage: replay_expect.sh REPLAY FILE EXIT [--expect=TEXT]... -- [REPLAY ARGS]...
# Each TEXT must appear in the replay's output (stdout and stderr).
set -euo pipefail
replay="$1" file="$2" want="$3"
shift 3
expects=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  expects+=("${1#--expect=}")
  shift
done
[[ $# -gt 0 ]] && shift

rc=0
out="$(timeout 120 "$replay" "$file" "$@" 2>&1)" || rc=$?
echo "$out"
echo "--- exit $rc (want $want)"
failed=0
if [[ $rc -ne $want ]]; then
  echo "FAIL: exit $rc, want $want"
  failed=1
fi
for e in "${expects[@]}"; do
  if ! grep -qF -- "$e" <<<"$out"; then
    echo "FAIL: output lacks: $e"
    failed=1
  fi
done
exit $failed
