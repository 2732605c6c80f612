#!/usr/bin/env bash
# Bad input to the sweep and to the source mutator: each case must exit with
# 2 exactly (no crash, no signal, no hang) and say what is wrong on stderr.
# Usage: bad_input_test.sh SWEEP MUTATOR
set -euo pipefail
sweep="$1" mutator="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

failures=0
checks=0
check() {  # name expected-stderr-substring program args...
  local name="$1" want="$2" prog="$3"
  shift 3
  local rc=0 err
  err="$(timeout 60 "$prog" "$@" 2>&1 >/dev/null)" || rc=$?
  checks=$((checks + 1))
  if [[ $rc -ne 2 || "$err" != *"$want"* ]]; then
    echo "FAIL $name (exit $rc, want 2)"
    echo "  want stderr containing: $want"
    echo "  got: $(head -c 300 <<<"$err")"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

# The sweep's command line.
check "sweep: unknown --part" "--part" "$sweep" --part nonsense
check "sweep: unknown flag" "Run with --help" "$sweep" --no-such-flag
check "sweep: --jobs 0" "--jobs" "$sweep" --jobs 0
check "sweep: --files names no file" "--files mmu_core/no_such.h: no such file" "$sweep" --files mmu_core/no_such.h
check "sweep: unwritable --json" "cannot write" "$sweep" --json /nonexistent-dir/out.json
check "sweep: --mutants without --catalog" "--mutants needs --catalog" "$sweep" --mutants x_mutants
echo 'not json' >"$tmp/catalog.json"
check "sweep: unreadable --catalog" "--catalog $tmp/catalog.json" "$sweep" --mutants x_mutants --catalog "$tmp/catalog.json"
check "sweep: a model that is no binary" "--list --json" "$sweep" --models /nonexistent/model --part barrier

# The mutator (run by a genrule; its arguments come from Bazel, but a wrong
# one must still be named).
check "mutator: no arguments" "usage: mutator" "$mutator"
check "mutator: a header outside mmu_core/" "not a header under mmu_core/" "$mutator" "$tmp/out" a.h b.h c.h
check "mutator: an unreadable header" "mmu_core/no_such.h: cannot read" "$mutator" "$tmp/out" a.h b.h mmu_core/no_such.h
mkdir -p "$tmp/mmu_core"
echo '#pragma once' >"$tmp/mmu_core/x.h"
touch "$tmp/file"
check "mutator: an unwritable output directory" "cannot write" "$mutator" "$tmp/file/out" "$tmp/mmu_core/x.h" "$tmp/mmu_core/x.h" "$tmp/mmu_core/x.h"

echo "$checks checks, $failures failed"
[[ $failures -eq 0 ]]
