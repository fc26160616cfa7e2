#!/bin/sh
# package_install: install the build tree into a scratch prefix, then use it as users do:
#  1. find_package(roci): configure, build and run the downstream project in this directory (it
#     sets no C++ standard: roci::roci carries cxx_std_20) and the agent, extract and chat
#     examples built from examples/ against the installed package, each run with "mock";
#  2. pkg-config: build and run the same main.cc with `pkg-config --cflags --libs roci`, and see
#     it refused (roci/asio_settings.h) without the Asio setting those flags carry;
#  3. Boost versions: find_package(roci) takes a Boost 1.83, refuses a 2.0 and passes over a 1.80
#     (fake Boost packages whose version file, like Boost's own, accepts every newer version);
#  4. deployment: the installed systemd unit sets no INFERENCE_* variable (the environment would
#     override the YAML it starts with), and its ExecStart, moved into the prefix, accepts the
#     installed etc/roci/inference-server.yaml: LM Studio, every model, "local-model".
#
#   run.sh <build dir> <downstream source dir> <scratch dir> <generator> <c++ compiler> \
#          <build type> [extra CXX flags]
set -eu
build_dir=$1
source_dir=$2
work=$3
generator=$4
cxx=$5
build_type=$6
[ -n "$build_type" ] || build_type=Release
cxx_flags=${7:-}
prefix="$work/prefix"

fail() {
  echo "package_install: $*" >&2
  exit 1
}

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build_dir" --prefix "$prefix"

echo "== 1. find_package(roci)"
cmake -S "$source_dir" -B "$work/build" -G "$generator" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_CXX_FLAGS="$cxx_flags" -DCMAKE_EXE_LINKER_FLAGS="$cxx_flags" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON \
  -DROCI_EXAMPLES_DIR="$(cd "$source_dir/../../examples" && pwd)"
cmake --build "$work/build" -j 2
out=$("$work/build/package_test")
[ -n "$out" ] || fail "the find_package program printed nothing"
echo "downstream output: $out"
# The SDK examples (tool loop, typed extraction, chat), built by a project that sets no C++
# standard, run against the mock to their end.
for example in agent extract chat; do
  out=$(cd "$work" && "$work/build/$example" mock) || fail "the installed-package $example failed"
  echo "$example: $(echo "$out" | tail -n 1)"
done

echo "== 2. pkg-config roci"
pc=$(find "$prefix" -name roci.pc)
[ -n "$pc" ] || fail "no roci.pc under $prefix"
pc_path=$(dirname "$pc")
PKG_CONFIG_PATH="$pc_path" pkg-config --validate roci || fail "pkg-config rejects $pc"
flags=$(PKG_CONFIG_PATH="$pc_path" pkg-config --cflags --libs roci)
echo "pkg-config --cflags --libs roci: $flags"
# shellcheck disable=SC2086 # the flags are words
"$cxx" -std=c++20 $cxx_flags "$source_dir/main.cc" -o "$work/package_test_pc" $flags
out=$("$work/package_test_pc")
[ -n "$out" ] || fail "the pkg-config program printed nothing"
echo "downstream output: $out"
# Without the Asio setting roci.pc carries, the build stops at roci/asio_settings.h and says why.
cflags_without=$(PKG_CONFIG_PATH="$pc_path" pkg-config --cflags roci |
  sed 's/-DBOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=[0-9]*//')
# shellcheck disable=SC2086 # the flags are words
if "$cxx" -std=c++20 $cxx_flags -fsyntax-only $cflags_without "$source_dir/main.cc" \
  2>"$work/without_setting.err"; then
  fail "main.cc compiled without -DBOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE"
fi
grep -q "BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=16" "$work/without_setting.err" ||
  fail "the build without the Asio setting failed for another reason: $(head -5 "$work/without_setting.err")"

echo "== 3. Boost versions"
fake_boost() {  # <version>: a prefix holding a Boost package of that version
  dir="$work/boost-$1/lib/cmake/Boost-$1"
  mkdir -p "$dir"
  cat >"$dir/BoostConfigVersion.cmake" <<EOT
set(PACKAGE_VERSION $1)
if(PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
EOT
  cat >"$dir/BoostConfig.cmake" <<'EOT'
foreach(component headers json url system)
  if(NOT TARGET Boost::${component})
    add_library(Boost::${component} INTERFACE IMPORTED)
  endif()
endforeach()
EOT
  echo "$work/boost-$1"
}
probe() {  # <version>: "roci_FOUND=... Boost_VERSION=..." with that fake Boost first in line
  cmake -S "$source_dir/boost_range" -B "$work/boost-range-$1" -G "$generator" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$(fake_boost "$1");$prefix" |
    sed -n 's/.*roci_boost_range: //p'
}
result=$(probe 1.83.0)
echo "Boost 1.83.0: $result"
[ "$result" = "roci_FOUND=1 Boost_VERSION=1.83.0" ] || fail "Boost 1.83.0 was not accepted"
result=$(probe 2.0.0)
echo "Boost 2.0.0: $result"
case "$result" in
  "roci_FOUND=FALSE Boost_VERSION=2.0.0" | "roci_FOUND=0 Boost_VERSION=2.0.0") ;;
  *) fail "Boost 2.0.0 was not refused" ;;
esac
result=$(probe 1.80.0)
echo "Boost 1.80.0: $result"
case "$result" in
  *"Boost_VERSION=1.80.0") fail "Boost 1.80.0 was accepted" ;;
esac

echo "== 4. deployment files"
unit="$prefix/lib/systemd/system/inference-server.service"
[ -f "$unit" ] || fail "no systemd unit at $unit"
if grep -n '^Environment=.*INFERENCE_' "$unit"; then
  fail "the unit sets INFERENCE_* variables: they override its YAML"
fi
# The unit's command with /usr/local/ (its prefix) replaced by the scratch prefix, in an
# environment without INFERENCE_* variables.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit" | sed "s|/usr/local/|$prefix/|g")
for name in $(env | sed -n 's/^\(INFERENCE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
# shellcheck disable=SC2086 # ExecStart's words
effective=$($exec_start --check-config) || fail "'$exec_start --check-config' failed"
for line in 'provider: "lmstudio"' 'base_url: "http://localhost:1234"' \
  'default_model: "local-model"' 'allowed_models: []' 'default_max_tokens: 100'; do
  echo "$effective" | grep -qF "  $line" || fail "the installed configuration lacks '$line'"
done
echo "installed unit and configuration: OK"
