#!/usr/bin/env bash
# A bounded libFuzzer run: FUZZER for SECONDS, with a fresh writable corpus
# seeded with the given files (runfiles are read-only). Fails on any crash,
# leak, sanitizer report or timeout libFuzzer finds; prints its summary
# (executions, coverage). Usage: fuzz_run.sh FUZZER SECONDS SEED_FILE...
set -euo pipefail
fuzzer="$1"
seconds="$2"
shift 2
work="${TEST_TMPDIR:-$(mktemp -d)}"
mkdir -p "$work/corpus" "$work/artifacts"
i=0
for f in "$@"; do
  cp "$f" "$work/corpus/seed$i"
  i=$((i + 1))
done
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
if ls "$work/artifacts/"* >/dev/null 2>&1; then
  echo "libFuzzer left artifacts:" && ls "$work/artifacts"
  exit 1
fi
exit "$status"
