#!/usr/bin/env bash
# For each line of relations_expected.txt: the LKMM verdict with every
# relation equals the test's declared Result, and with the listed relations
# dropped it is the listed verdict (a different one unless marked
# `covered`). Also checks every droppable name has a line.
# Usage: relations_test.sh RUNNER EXPECTED DIR
set -euo pipefail
runner="$1"
expected="$2"
dir="$3"

verdict() {  # FILE [--drop-relation NAME]...
  local f="$1"
  shift
  local out
  # Exit 1 (LKMM contradicts the declared Result) is the point of a drop.
  out="$("$runner" --no-native --no-model --json "$@" "$f" || true)"
  sed -n 's/^ *"verdict": "\([A-Za-z]*\)".*/\1/p' <<<"$out" | sed -n 1p
}

failures=0
lines=0
declare -A covered_names
while read -r dropped file want note; do
  [[ -z "$dropped" || "$dropped" == \#* ]] && continue
  lines=$((lines + 1))
  f="$dir/$file"
  declared="$(sed -n 's/.*Result: *\([A-Za-z]*\).*/\1/p' "$f" | head -n 1)"
  args=()
  IFS=',' read -ra names <<<"$dropped"
  for n in "${names[@]}"; do
    args+=(--drop-relation "$n")
    covered_names[$n]=1
  done
  full="$(verdict "$f")"
  got="$(verdict "$f" "${args[@]}")"
  if [[ "$full" != "$declared" ]]; then
    echo "FAIL $file: LKMM says $full, declared $declared"
    failures=$((failures + 1))
  elif [[ "$got" != "$want" ]]; then
    echo "FAIL $file without $dropped: want $want, got $got"
    failures=$((failures + 1))
  elif [[ "$got" == "$declared" && "$note" != "covered" ]]; then
    echo "FAIL $file without $dropped: the verdict did not change"
    failures=$((failures + 1))
  else
    echo "ok   $file without $dropped: $declared -> $got"
  fi
done <"$expected"

# Every name --drop-relation accepts is exercised.
names="$("$runner" --drop-relation nonsense x 2>&1 | sed -n 's/.*not in {\(.*\)}.*/\1/p' || true)"
IFS=',' read -ra all <<<"$names"
for n in "${all[@]}"; do
  if [[ -z "${covered_names[$n]:-}" ]]; then
    echo "FAIL no test drops $n"
    failures=$((failures + 1))
  fi
done
echo "$lines drops, ${#all[@]} droppable names, $failures failures"
[[ $failures -eq 0 && ${#all[@]} -gt 0 ]]
