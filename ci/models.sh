#!/usr/bin/env bash
# The models job: every Relacy model of mmu_core/scenarios/all.h, correct
# core and negative twins, in one table.
#
#   ci/models.sh            build once, run each //models:<target> binary
#                           (at most $(nproc) at a time), print the table
#
# Each model runs `--search ci`: the correct core gets the stronger search
# declared as ci_search in models/BUILD (the full search where it ends in
# about a minute, a deeper context bound elsewhere), the twins the declared
# search, which the stronger one contains. models/README.md has the table
# and the reasons; the whole job stays well under 10 minutes on 2 cores.
#
# Ends with `models: C correct passed, M mutations caught, F failed` and exits
# non-zero if any correct model fails or any negative twin is not caught (every
# scenario has a model: mmu_core/scenarios/engines.bzl makes one for each).
# Per-model logs (counterexamples with Relacy's history) are kept in the
# directory printed at the end.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: ci/models.sh [--help]

The models job: builds every Relacy model of mmu_core/scenarios/all.h, runs
each with `--search ci` (the correct core and its negative twins, as many at
a time as there are cores) and prints the results table. It takes no arguments.
Ends with `models: C correct passed, M mutations caught, F failed`; exits
non-zero if a correct model fails or a negative twin is not caught.
Installs the Debian packages it needs first (as root; otherwise it prints
the apt-get line). See README.md and models/README.md.
USAGE
}
case "${1-}" in
  "") ;;
  -h | --help) usage; exit 0 ;;
  *) echo "ci/models.sh: unknown argument '$1' (it takes none; ci/models.sh --help)" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
# shellcheck source=ci/common.sh
source ci/common.sh

install_packages
print_versions
START=$SECONDS
# shellcheck disable=SC2046
FLAGS=($(bazel_ci_flags))
OUT="$(mktemp -d -t models.XXXXXX)"

step "list the models (one per scenario of mmu_core/scenarios/list.bzl)"
bazel build "${FLAGS[@]}" //mmu_core:scenario_list
mapfile -t TARGETS < "$(bazel info "${FLAGS[@]}" bazel-bin 2>/dev/null)/mmu_core/scenarios/list.txt"
if [[ ${#TARGETS[@]} -eq 0 ]]; then
  echo "mmu_core/scenarios/list.txt names no scenario" >&2
  false
fi
LABELS=()
for t in "${TARGETS[@]}"; do LABELS+=("//models:$t"); done
echo "${#TARGETS[@]} models: ${LABELS[*]}"

step "bazel build the models"
bazel build "${FLAGS[@]}" "${LABELS[@]}" //models:summary
BIN="$(bazel info "${FLAGS[@]}" bazel-bin 2>/dev/null)"

step "run the models ($(nproc) at a time)"
run_model() {
  local t=$1 begin=$SECONDS rc=0
  "$BIN/models/$t" --search ci --json "$OUT/$t.json" >"$OUT/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$OUT/$t.rc"
  printf '  %-22s exit %d  %4ds\n' "$t" "$rc" "$((SECONDS - begin))"
}
for label in "${LABELS[@]}"; do
  run_model "${label#//models:}" &
  while (($(jobs -rp | wc -l) >= $(nproc))); do wait -n || true; done
done
wait

step "results"
for label in "${LABELS[@]}"; do
  t="${label#//models:}"
  if [[ "$(cat "$OUT/$t.rc")" != 0 ]]; then
    echo "---- $t failed; its log ($OUT/$t.log), without Relacy's history:"
    sed '/^Relacy.s history of the failing execution:/,/^---- end of counterexample/d' "$OUT/$t.log"
  fi
done
ARGS=()
for t in "${TARGETS[@]}"; do ARGS+=("$t=$OUT/$t.json"); done
rc=0
"$BIN/models/summary" "${ARGS[@]}" || rc=$?
echo "logs and JSON results: $OUT"
echo "models job: $((SECONDS - START)) s"
trap - ERR
exit "$rc"
