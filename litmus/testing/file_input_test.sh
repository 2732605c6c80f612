#!/usr/bin/env bash
# File inputs the runner must refuse before reading them, each with its own
# message and exit 2 (never a signal): a directory, a FIFO, a device, a
# missing file, an oversized file, an unreadable file; nonsense options; and
# --json printing the error as JSON. Usage: file_input_test.sh RUNNER
set -euo pipefail
runner="$1"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

expect() {  # WANT-SUBSTRING ARGS...
  local want="$1"
  shift
  local rc=0 err
  err="$(timeout 20 "$runner" --no-native --no-model -q "$@" 2>&1 >/dev/null)" || rc=$?
  if [[ $rc -ne 2 || "$err" != *"$want"* ]]; then
    echo "FAIL $*: exit $rc, want 2 and '$want', got: ${err%%$'\n'*}"
    failures=$((failures + 1))
  else
    echo "ok   $*: ${err%%$'\n'*}"
  fi
}

mkdir -p "$tmp/dir"
mkfifo "$tmp/fifo"
head -c 1100000 /dev/zero | tr '\0' 'x' >"$tmp/big.litmus"
printf 'C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n' >"$tmp/ok.litmus"
expect "is a directory" "$tmp/dir"
expect "is a FIFO" "$tmp/fifo"
expect "is a device" /dev/zero
expect "no such file" "$tmp/missing.litmus"
expect "file larger than 1048576 bytes" "$tmp/big.litmus"
cp "$tmp/ok.litmus" "$tmp/unreadable.litmus"
chmod 000 "$tmp/unreadable.litmus"
if [[ "$(id -u)" -eq 0 ]]; then
  echo "skip unreadable file: running as root, which reads any file"
else
  expect "permission denied" "$tmp/unreadable.litmus"
fi
expect "--model-timeout: must be a number of seconds" --model-timeout -1 "$tmp/ok.litmus"
expect "--native-timeout: must be a number of seconds" --native-timeout nan "$tmp/ok.litmus"
expect "--drop-relation: nonsense not in" --drop-relation nonsense "$tmp/ok.litmus"

# --json: the error as JSON on stdout, exit 2.
rc=0
out="$("$runner" --json "$tmp/dir" 2>/dev/null)" || rc=$?
if [[ $rc -ne 2 || "$out" != *'"error": "'"$tmp"'/dir:1:1: is a directory'* || "$out" != *'"status": "ERROR"'* ]]; then
  echo "FAIL --json on a directory: exit $rc, got: $out"
  failures=$((failures + 1))
else
  echo "ok   --json on a directory"
fi
# A file with no Result: is "no declared result", in JSON too (it used to abort).
rc=0
out="$("$runner" --no-native --json "$tmp/ok.litmus")" || rc=$?
if [[ $rc -ne 0 || "$out" != *'"status": "no declared result"'* || "$out" != *'"declared": null'* ]]; then
  echo "FAIL no Result: line: exit $rc, got: $out"
  failures=$((failures + 1))
else
  echo "ok   no Result: line"
fi
echo "$failures failures"
[[ $failures -eq 0 ]]
