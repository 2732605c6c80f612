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
# non-zero if any correct model fails, any negative twin is not caught, or a
# scenario has no model. Per-model logs (counterexamples with Relacy's
# history) are kept in the directory printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/common.sh
source ci/common.sh

install_packages
print_versions
START=$SECONDS
# shellcheck disable=SC2046
FLAGS=($(bazel_ci_flags))
OUT="$(mktemp -d -t models.XXXXXX)"

step "list the scenarios (mmu_core/scenarios/all.h) and their models"
mapfile -t TARGETS < <(sed -n 's/^[[:space:]]*X([A-Za-z0-9_]*,[[:space:]]*\([a-z0-9_]*\)).*/\1/p' mmu_core/scenarios/all.h)
if [[ ${#TARGETS[@]} -eq 0 ]]; then
  echo "no scenarios found in mmu_core/scenarios/all.h" >&2
  false
fi
mapfile -t BUILT < <(bazel query 'attr(tags, "\bmodel\b", kind(cc_binary, //models:*))' 2>/dev/null |
  sed 's|^//models:||')
MISSING=()
LABELS=()
for t in "${TARGETS[@]}"; do
  if printf '%s\n' "${BUILT[@]}" | grep -qx "$t"; then
    LABELS+=("//models:$t")
  else
    MISSING+=("$t")
    echo "scenario $t has no model: add mmu_model(name = \"$t\", ...) to models/BUILD" >&2
  fi
done
echo "${#TARGETS[@]} scenarios, ${#LABELS[@]} models: ${LABELS[*]}"

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
