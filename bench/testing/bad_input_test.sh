#!/usr/bin/env bash
# bench:all and bench:plot name bad input and exit 2 (never a crash or a run).
set -uo pipefail
ALL=$1
PLOT=$2
TMP=${TEST_TMPDIR:-$(mktemp -d)}
fails=0
expect() {  # expect CODE PATTERN -- COMMAND...
  local code=$1 pattern=$2
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $code ]] || ! grep -q -- "$pattern" <<<"$out"; then
    echo "FAIL: $* -> exit $rc (want $code), output:"
    echo "$out"
    fails=$((fails + 1))
  else
    echo "ok: $* -> exit $rc: $(grep -m1 -- "$pattern" <<<"$out")"
  fi
}
expect 2 "unknown comparison 'nope'" -- "$ALL" --only nope
expect 2 "outside 1000..1000000" -- "$ALL" --max-pages 5
expect 2 "outside 1000..1000000" -- "$ALL" --max-pages 2000000
expect 2 "max-pages" -- "$ALL" --max-pages lots
expect 2 "bogus" -- "$ALL" --bogus
expect 2 "cannot write the JSON file" -- "$ALL" --json /proc/no/such/dir/x.json
mkdir -p "$TMP/ro" && chmod 500 "$TMP/ro"
if [[ $(id -u) != 0 ]]; then
  expect 2 "cannot write the JSON file" -- "$ALL" --json "$TMP/ro/x.json"
fi
expect 2 "usage" -- "$PLOT"
expect 2 "cannot read" -- "$PLOT" "$TMP/missing.json"
printf '{"comparisons": [' >"$TMP/broken.json"
expect 2 "is not valid JSON" -- "$PLOT" "$TMP/broken.json"
printf '[1, 2]' >"$TMP/array.json"
expect 2 "not a bench:all results file" -- "$PLOT" "$TMP/array.json"
printf '{"comparisons": []}' >"$TMP/empty.json"
expect 2 "is not a directory" -- "$PLOT" "$TMP/empty.json" --out "$TMP/empty.json"
expect 2 "unknown option" -- "$PLOT" "$TMP/empty.json" --bogus
expect 0 "no size sweep" -- "$PLOT" "$TMP/empty.json"
echo "$fails failed"
[[ $fails -eq 0 ]]
