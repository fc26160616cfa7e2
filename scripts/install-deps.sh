#!/usr/bin/env bash
# Installs the Debian 12 packages roci needs to build and test, and only those that are missing.
# Usage: scripts/install-deps.sh [--browser] [--bench] [--fuzz] [--apt-lists]
#   --browser    also chromium (the web console's browser tests, tests/browser; plain build only)
#   --bench      also nginx, wrk, valgrind and perf (bench/run, bench/callgrind, bench/critical-path)
#   --fuzz       also clang's libFuzzer runtime
#   --apt-lists  also make sure apt has package lists (apt-get update when it has none), for
#                tests/package/dockerfile_check.sh, which asks apt-cache about the Dockerfile's
#                packages (.ci/run passes it)
# Safe to run repeatedly; it calls apt-get only when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config curl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libgoogle-perftools-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs npm
)
apt_lists=0
for arg in "$@"; do
  case "$arg" in
    --browser) packages+=(chromium) ;;
    --bench) packages+=(nginx wrk valgrind linux-perf) ;;
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    --apt-lists) apt_lists=1 ;;
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

lists_missing=0
if ((apt_lists)); then
  lists_dir=$(apt-config shell d Dir::State::lists/d | sed -n "s/^d='\(.*\)'$/\1/p")
  compgen -G "${lists_dir:-/var/lib/apt/lists/}*_Packages*" >/dev/null || lists_missing=1
fi

if ((${#missing[@]} == 0 && lists_missing == 0)); then
  echo "install-deps: everything is installed"
  exit 0
fi

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
if ((lists_missing)); then
  echo "install-deps: apt has no package lists: apt-get update"
fi
"${sudo_cmd[@]}" apt-get update -qq
if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
