#!/usr/bin/env bash
# Runs the whole default test suite: `bazel test //...` (Relacy models, doctest
# unit tests, native stress smoke tests), then the ThreadSanitizer
# configuration, then bounded libFuzzer runs (--config=fuzz, targets tagged
# fuzz). Ends with the line `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/common.sh
source ci/common.sh

install_packages
print_versions

LOGDIR="$(mktemp -d)"
# shellcheck disable=SC2046
FLAGS=($(bazel_ci_flags))
rc=0

step "bazel test //... (default configuration)"
bazel test "${FLAGS[@]}" //... 2>&1 | tee "$LOGDIR/default.log" || rc=1

step "bazel test --config=tsan //... (ThreadSanitizer, clang)"
bazel test "${FLAGS[@]}" --config=tsan //... 2>&1 | tee "$LOGDIR/tsan.log" || rc=1

step "bazel test --config=fuzz (bounded libFuzzer runs: targets tagged fuzz)"
fuzz_targets="$(bazel query 'attr(tags, "\bfuzz\b", tests(//...))' 2>/dev/null || true)"
if [[ -n "$fuzz_targets" ]]; then
  # shellcheck disable=SC2086
  bazel test "${FLAGS[@]}" --config=fuzz $fuzz_targets 2>&1 | tee "$LOGDIR/fuzz.log" || rc=1
else
  : >"$LOGDIR/fuzz.log"
fi

step "count results"
read -r passed failed < <(count_results "$LOGDIR/default.log" "$LOGDIR/tsan.log" "$LOGDIR/fuzz.log")
if [[ $rc -ne 0 && $failed -eq 0 ]]; then
  # Bazel failed before any test reported (analysis or build error): count it.
  echo "bazel failed outside any test; see the log above" >&2
  failed=1
fi
trap - ERR
echo "$passed passed, $failed failed"
[[ $rc -eq 0 && $failed -eq 0 && $passed -gt 0 ]]
