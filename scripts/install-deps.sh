#!/usr/bin/env bash
# Installs the Debian 12 packages roci needs to build and test, and only those that are missing.
# Usage: scripts/install-deps.sh [--bench] [--fuzz]
#   --bench  also nginx, wrk and valgrind (bench/run, bench/callgrind)
#   --fuzz   also clang's libFuzzer runtime
# Safe to run repeatedly; it calls apt-get only when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config curl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs npm
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(nginx wrk valgrind) ;;
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from elsewhere (e.g. a preinstalled Node); accept the commands.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: everything is installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
