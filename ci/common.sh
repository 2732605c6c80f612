# Shared set-up for ci/models.sh and ci/test.sh. Sourced, not run.
# Installs the Debian packages the suite needs (only those missing), prints
# tool versions, and provides `step` for naming the step that failed.

MMU_PACKAGES=(
  bazel-bootstrap bazel-rules-java bazel-platforms bazel-skylib
  relacy-dev doctest-dev libboost-atomic-dev
  libfmt-dev libcli11-dev nlohmann-json3-dev libbenchmark-dev
  clang libclang-rt-14-dev gnuplot-nox
)

CURRENT_STEP="start"
step() {
  CURRENT_STEP="$*"
  printf '\n==> %s\n' "$*"
}
on_error() {
  local rc=$?
  printf '\nFAILED at step: %s (exit %d)\n' "$CURRENT_STEP" "$rc" >&2
  exit "$rc"
}
trap on_error ERR

missing_packages() {
  local p missing=()
  for p in "${MMU_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  echo "${missing[@]:-}"
}

install_packages() {
  step "check Debian packages"
  local missing
  missing="$(missing_packages)"
  if [[ -z "${missing// /}" ]]; then
    echo "all ${#MMU_PACKAGES[@]} packages present"
    return 0
  fi
  echo "missing: $missing"
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      echo "cannot install packages without root. Run as root:" >&2
      echo "  apt-get update && apt-get install -y $missing" >&2
      return 1
    fi
  fi
  step "install Debian packages: $missing"
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

print_versions() {
  step "tool versions"
  printf '%-22s %s\n' "bazel" "$(dpkg-query -W -f='${Version}' bazel-bootstrap)"
  printf '%-22s %s\n' "g++" "$(g++ --version | head -1)"
  printf '%-22s %s\n' "clang" "$(clang --version | head -1)"
  local p
  for p in relacy-dev doctest-dev libboost-atomic-dev libfmt-dev libcli11-dev nlohmann-json3-dev libclang-rt-14-dev; do
    printf '%-22s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p")"
  done
  printf '%-22s %s\n' "cores" "$(nproc)"
}

# Bazel flags shared by the CI scripts. Interactive terminals keep Bazel's
# progress display; CI logs get the plain one.
bazel_ci_flags() {
  if [[ -t 1 && -z "${CI:-}" ]]; then
    echo "--config=ci --curses=auto --color=auto"
  else
    echo "--config=ci"
  fi
}

# Counts Bazel's per-target test results (--test_summary=short lines such as
# "//models:foo   PASSED in 0.3s") in the given logs; prints "PASSED FAILED".
count_results() {
  awk '
    /^\/\/[^ ]+ +(\(cached\) +)?PASSED/ { p++ ; next }
    /^\/\/[^ ]+ +(\(cached\) +)?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE|FAILED TO BUILD)/ { f++ }
    END { printf "%d %d\n", p + 0, f + 0 }
  ' "$@"
}
