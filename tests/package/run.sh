#!/bin/sh
# package_install: install the build tree into a scratch prefix, then configure, build and run a
# downstream project (tests/package) against it with find_package(roci).
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

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build_dir" --prefix "$work/prefix"
cmake -S "$source_dir" -B "$work/build" -G "$generator" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_CXX_FLAGS="$cxx_flags" -DCMAKE_EXE_LINKER_FLAGS="$cxx_flags" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON
cmake --build "$work/build" -j 2
out=$("$work/build/package_test")
if [ -z "$out" ]; then
  echo "package_install: the downstream program printed nothing" >&2
  exit 1
fi
echo "downstream output: $out"
