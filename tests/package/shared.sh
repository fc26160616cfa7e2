#!/bin/sh
# package_install_shared: libroci as a shared library, used as users do.
#  1. configure roci with BUILD_SHARED_LIBS=ON (no tests, examples or benchmarks; no build type:
#     no optimisation and no debug info; a unity build as the presets: the quickest compile), build
#     the `roci` target alone and install the SDK component into a scratch prefix;
#  2. the installed library: libroci.so with a SONAME, no static SDK libraries, and a dynamic
#     symbol table that has the public API (roci::generate_text) and hides the private code
#     (roci::sdk::, roci::net::);
#  3. find_package(roci): configure the downstream project in this directory and build and run
#     its package_test (generation, a streamed tool loop, the coroutine API on its own io_context);
#  4. pkg-config: build and run the same main.cc with `pkg-config --cflags --libs roci`.
#
#   shared.sh <roci source dir> <downstream source dir> <scratch dir> <generator> <c++ compiler> \
#             [linker for -fuse-ld, "" for the default]
set -eu
roci_source=$1
source_dir=$2
work=$3
generator=$4
cxx=$5
linker=${6:-}
prefix="$work/prefix"

fail() {
  echo "package_install_shared: $*" >&2
  exit 1
}

rm -rf "$work"
mkdir -p "$work"

echo "== 1. build and install libroci.so"
cmake -S "$roci_source" -B "$work/lib" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE= -DBUILD_SHARED_LIBS=ON -DROCI_LINKER="$linker" \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=12 \
  -DROCI_BUILD_TESTS=OFF -DROCI_BUILD_EXAMPLES=OFF -DROCI_BUILD_BENCH=OFF >/dev/null
cmake --build "$work/lib" --target roci -j 2
cmake --install "$work/lib" --component sdk --prefix "$prefix"

echo "== 2. the installed library"
so=$(find "$prefix" -name 'libroci.so.*.*' | head -n 1)
[ -n "$so" ] || fail "no libroci.so under $prefix"
[ -z "$(find "$prefix" -name 'libroci*.a')" ] || fail "static SDK libraries were installed"
soname=$(objdump -p "$so" | sed -n 's/^ *SONAME *//p')
echo "$(basename "$so"): SONAME $soname"
[ -n "$soname" ] || fail "$so has no SONAME"
symbols=$(nm -D --defined-only -C "$so")
echo "$symbols" | grep -q 'roci::generate_text(' || fail "roci::generate_text is not exported"
echo "$symbols" | grep -q 'roci::StepStream::next()' || fail "roci::StepStream is not exported"
if echo "$symbols" | grep -E ' roci::(sdk|net|openai_wire|model_match)::' | head -n 5 | grep .; then
  fail "private symbols are exported"
fi
echo "exported roci symbols: $(echo "$symbols" | grep -c ' roci::')"

echo "== 3. find_package(roci)"
cmake -S "$source_dir" -B "$work/build" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON \
  -DROCI_EXAMPLES_DIR="$(cd "$roci_source/examples" && pwd)" >/dev/null
cmake --build "$work/build" --target package_test -j 2
ldd "$work/build/package_test" | grep -q "$prefix/.*libroci.so" ||
  fail "package_test does not load the installed libroci.so"
out=$("$work/build/package_test") || fail "the find_package program failed"
echo "downstream output: $out"

echo "== 4. pkg-config roci"
pc_path=$(dirname "$(find "$prefix" -name roci.pc)")
PKG_CONFIG_PATH="$pc_path" pkg-config --validate roci || fail "pkg-config rejects roci.pc"
flags=$(PKG_CONFIG_PATH="$pc_path" pkg-config --cflags --libs roci)
echo "pkg-config --cflags --libs roci: $flags"
# shellcheck disable=SC2086 # the flags are words
"$cxx" -std=c++20 "$source_dir/main.cc" -o "$work/package_test_pc" $flags
out=$(LD_LIBRARY_PATH="$(dirname "$so")" "$work/package_test_pc") ||
  fail "the pkg-config program failed"
echo "downstream output: $out"
