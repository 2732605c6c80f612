#!/usr/bin/env bash
# Every file of the bad-input corpus must make the replay exit with 2, on
# both engines, within a time limit (no crash, no hang), and end its stderr
# with the file's "# expect:" line: "LINE: message" becomes "FILE:LINE: message",
# a message without a line "FILE: message". Bad command lines too.
# Usage: bad_input_test.sh REPLAY FILE...
set -euo pipefail
replay="$1"
shift

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
check "missing file" 2 "replay/testdata/bad/no-such-file.txt: cannot open the file" \
  replay/testdata/bad/no-such-file.txt
check "--mutation M9.9" 2 "--mutation: unknown mutation 'M9.9' (replay --list prints the catalogue)" \
  "$paolo" --mutation M9.9
check "--engine qemu" 2 "replay: --engine: qemu not in {native,relacy} (replay --help)" "$paolo" --engine qemu
check "--timeout -1" 2 "replay: --timeout: Value -1 not in range 0.010000 to 86400.000000 (replay --help)" "$paolo" --timeout -1
check "no file" 2 "replay: no interleaving file given (replay --help)"

echo "$checks checks, $failures failures"
[[ $failures -eq 0 ]]
