#!/usr/bin/env bash
# Every file of the bad-input corpus must make the replay exit with 2, on
# both engines, within a time limit (no crash, no hang), and end its stderr
# with the file's "# expect:" line: "LINE: message" becomes "FILE:LINE: message",
# a message without a line "FILE: message". Bad command lines too.
# Every check also asserts that nothing exits by a signal (exit 2 exactly).
# Usage: bad_input_test.sh REPLAY JSON_CHECK FILE...
set -euo pipefail
replay="$1" json_check="$2"
shift 2

failures=0
checks=0
check() {  # name want_rc want_last_line args...
  local name="$1" want_rc="$2" want="$3"
  shift 3
  local rc=0 err
  err="$(timeout 60 "$replay" "$@" 2>&1 >/dev/null)" || rc=$?
  local got
  got="$(tail -n 1 <<<"$err")"
  checks=$((checks + 1))
  if [[ $rc -ne $want_rc || "$got" != "$want" ]]; then
    echo "FAIL $name (exit $rc, want $want_rc)"
    echo "  want: $want"
    echo "  got:  $got"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

for f in "$@"; do
  expect="$(sed -n 's/^# expect: //p' "$f" | head -n 1)"
  if [[ -z "$expect" ]]; then
    echo "FAIL $f: no '# expect:' line"
    failures=$((failures + 1))
    continue
  fi
  if [[ "$expect" =~ ^[0-9]+: ]]; then want="$f:$expect"; else want="$f: $expect"; fi
  for engine in native relacy; do
    check "$f ($engine)" 2 "$want" "$f" --engine "$engine"
  done
done

paolo=replay/interleavings/paolo_torn_read.txt
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

# Files that are not tables: each gets its own message, decided before a
# byte is read (a FIFO is never opened, /dev/zero never read).
check "missing file" 2 "replay/testdata/bad/no-such-file.txt: no such file" replay/testdata/bad/no-such-file.txt
check "directory" 2 "replay/testdata/bad: is a directory, not a file" replay/testdata/bad
mkfifo "$tmp/fifo"
check "FIFO" 2 "$tmp/fifo: is a FIFO, not a regular file (a file is read whole before it is used)" "$tmp/fifo"
check "/dev/zero" 2 "/dev/zero: is a device, not a regular file" /dev/zero
head -c 2097152 /dev/zero | tr '\0' ' ' >"$tmp/big.txt"
check "oversized file" 2 "$tmp/big.txt: is 2097152 bytes, more than the limit of 1048576" "$tmp/big.txt"
ln -s "$tmp/nowhere" "$tmp/dangling"
check "dangling link" 2 "$tmp/dangling: is a dangling symbolic link" "$tmp/dangling"
# An unreadable file. root reads every file, so as root the replay runs as
# nobody, on files in a directory of its own under /tmp (the test's own
# directory is not searchable by others).
open_dir="$(mktemp -d /tmp/replay_bad_input.XXXXXX)"
trap 'rm -rf "$open_dir"' EXIT
chmod 755 "$open_dir"
cp "$paolo" "$open_dir/unreadable.txt"
chmod 000 "$open_dir/unreadable.txt"
mkdir -m 700 "$open_dir/closed"
cp "$paolo" "$open_dir/closed/table.txt"
if [[ "$(id -u)" -ne 0 ]]; then
  check "unreadable file" 2 "$open_dir/unreadable.txt: cannot read it: permission denied" "$open_dir/unreadable.txt"
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups "$replay" --help >/dev/null 2>&1; then
  printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups "%s" "$@"\n' "$replay" >"$open_dir/as_nobody"
  chmod 755 "$open_dir/as_nobody"
  replay_as_root="$replay"
  replay="$open_dir/as_nobody"
  check "unreadable file (as nobody)" 2 "$open_dir/unreadable.txt: cannot read it: permission denied" \
    "$open_dir/unreadable.txt"
  check "a file in a directory it may not search (as nobody)" 2 \
    "$open_dir/closed/table.txt: cannot reach the file: permission denied" "$open_dir/closed/table.txt"
  replay="$replay_as_root"
else
  echo "skip unreadable file: running as root, which reads every file, and cannot run the replay as nobody"
fi

# Output paths are checked before the run.
check "--write-trace into a missing directory" 2 \
  "replay: --write-trace /nonexistent/dir/x: the directory /nonexistent/dir does not exist" \
  "$paolo" --write-trace /nonexistent/dir/x
check "--write-trace to a directory" 2 "replay: --write-trace $tmp: is a directory; give a file name" \
  "$paolo" --write-trace "$tmp"

# Bad command lines.
check "--mutation M9.9" 2 "--mutation: unknown mutation 'M9.9' (replay --list prints the catalogue)" \
  "$paolo" --mutation M9.9
check "--engine qemu" 2 "replay: --engine: qemu not in {native,relacy} (replay --help)" "$paolo" --engine qemu
check "--timeout -1" 2 "replay: --timeout: Value -1 not in range 0.010000 to 86400.000000 (replay --help)" "$paolo" --timeout -1
check "--timeout nan" 2 "replay: --timeout: Value nan is not a finite number (replay --help)" "$paolo" --timeout nan
check "--lock-wait inf" 2 "replay: --lock-wait: Value inf is not a finite number (replay --help)" "$paolo" --lock-wait inf
check "--max-executions 0" 2 "replay: --max-executions: Value 0 not in range 1 to 1099511627776 (replay --help)" \
  "$paolo" --max-executions 0 --engine relacy
check "--frobnicate" 2 "replay: The following argument was not expected: --frobnicate (replay --help)" "$paolo" --frobnicate
check "no file" 2 "replay: no interleaving file given (replay --help)"

# --json reports bad input as JSON too (stdout), on both engines.
json_case() {  # name args...
  local name="$1" rc=0
  shift
  timeout 60 "$replay" "$@" --json >"$tmp/out.json" 2>/dev/null || rc=$?
  checks=$((checks + 1))
  if [[ $rc -eq 2 ]] && "$json_check" "$tmp/out.json" /verdict=bad-input /exit=2 >/dev/null; then
    echo "ok   --json: $name"
  else
    echo "FAIL --json: $name (exit $rc)"
    cat "$tmp/out.json"
    failures=$((failures + 1))
  fi
}
json_case "a directory" replay/testdata/bad
json_case "a parse error" replay/testdata/bad/unknown_step.txt
json_case "a parse error (relacy)" replay/testdata/bad/unknown_step.txt --engine relacy
json_case "an unknown option" "$paolo" --frobnicate
json_case "an unwritable --write-trace" "$paolo" --write-trace /nonexistent/dir/x

echo "$checks checks, $failures failures"
[[ $failures -eq 0 ]]
