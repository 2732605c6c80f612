#!/usr/bin/env bash
# Every negative twin's counterexample, replayed: for each model binary given,
# each twin writes its counterexample (declared search) in the interleaving
# format, and replay runs it natively, natively with --mutation none, and
# under Relacy. Prints one row per twin with the three exit codes (0 held,
# 1 violated, 2 the order cannot happen, 3 undecided) and the native verdict.
#
#   bazel run //models/interleavings:round_trip_survey
#
# Usage: round_trip_survey.sh REPLAY MODEL...
set -euo pipefail
replay="$1"
shift
dir="$(mktemp -d -t round_trip_survey.XXXXXX)"
printf '%-20s %-5s %-7s %-8s %-7s %s\n' model twin native correct relacy "native verdict"
for model in "$@"; do
  name="$(basename "$model")"
  mapfile -t twins < <("$model" --list | sed -n 's/^  \(M[0-9]*\.[0-9]*\)  .*/\1/p')
  for twin in "${twins[@]}"; do
    file="$dir/${name}_${twin}.txt"
    if ! "$model" --variant "$twin" --no-history --counterexample-out "$file" >"$file.model" 2>&1; then
      printf '%-20s %-5s model run failed; see %s\n' "$name" "$twin" "$file.model"
      continue
    fi
    run() {  # run LABEL ARGS...: the replay's exit code; its output in $file.LABEL
      local label="$1" r=0
      shift
      timeout 60 "$replay" "$file" "$@" >"$file.$label" 2>&1 || r=$?
      echo "$r"
    }
    native=$(run native --engine native)
    correct=$(run correct --engine native --mutation none)
    relacy=$(run relacy --engine relacy)
    verdict="$(sed -n 's/^  verdict    //p' "$file.native" | cut -c1-90)"
    printf '%-20s %-5s %-7s %-8s %-7s %s\n' "$name" "$twin" "$native" "$correct" "$relacy" "$verdict"
  done
done
echo "files: $dir"
