#!/usr/bin/env bash
# package.build_options: the optimisation settings of a Release build put their flags where they
# belong. Configures scratch trees only (no build):
#   ROCI_PGO (cmake/ProfileGuided.cmake, driven by bench/pgo-build): "generate" instruments every
#     compile and link with the profile directory, "use" reads it, "" adds nothing, anything else
#     fails the configure;
#   ROCI_LTO (cmake/LinkTimeOptimization.cmake, on by default): a Release build compiles with
#     -flto and fat objects (the installed static libraries link without LTO too) and links with
#     -flto, never with lld (even when ROCI_LINKER=lld was asked for); ROCI_LTO=OFF and a Debug
#     build have no -flto;
#   ROCI_FUNCTION_ORDER (cmake/FunctionOrder.cmake, on by default): a Release build linked by gold
#     links the gateway with -ffunction-sections and the section ordering file
#     apps/inference-server/function-order.txt (which lists roci's functions); without LTO, under
#     profile-guided optimisation, with ROCI_FUNCTION_ORDER=OFF and in a Debug build it does not;
#   ROCI_NO_PLT (cmake/DirectCalls.cmake, on by default): a Release build compiles and links with
#     -fno-plt; ROCI_NO_PLT=OFF and a Debug build do not;
#   ROCI_SERVER_ALLOCATOR (cmake/ServerAllocator.cmake, tcmalloc by default): the gateway links
#     tcmalloc_minimal, and nothing else does (the SDK's libraries, the CLI); `system` and a
#     sanitized build link no allocator; any other value fails the configure.
#
#   build_options_check.sh <source dir> <scratch dir> <generator>
set -euo pipefail
src=$1
work=$2
generator=$3

fail() {
  echo "build_options_check: $*" >&2
  exit 1
}
configure() {  # tree pgo-value [more cmake arguments...]
  local tree=$1 pgo=$2
  shift 2
  cmake -S "$src" -B "$work/$tree" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
    -DROCI_BUILD_TESTS=OFF -DROCI_BUILD_EXAMPLES=OFF -DROCI_BUILD_BENCH=OFF \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DROCI_PGO="$pgo" -DROCI_PGO_DIR="$work/profiles" "$@" \
    >"$work/$tree.log" 2>&1
}
# The flags of one compile of the gateway's sources, from compile_commands.json.
gateway_compile() {  # tree
  grep -m1 -o '"command": "[^"]*src/server/[^"]*"' "$work/$1/compile_commands.json" \
    || fail "$1: no compile command for src/server in compile_commands.json"
}
# The gateway's link command: build.ninja (Ninja: the flags on its LINK_FLAGS line, the linker
# choice among them) or its link.txt (Makefiles).
gateway_link() {  # tree
  local tree=$work/$1
  if [[ -f $tree/build.ninja ]]; then
    awk '/^build apps\/inference-server:/ { on = 1; next } on && /^build / { exit } on' "$tree/build.ninja"
  else
    cat "$tree/apps/CMakeFiles/inference-server.dir/link.txt"
  fi | grep . || fail "$1: no link command for inference-server"
}

rm -rf "$work"
mkdir -p "$work"

configure generate generate || fail "ROCI_PGO=generate did not configure: $(tail -5 "$work/generate.log")"
gateway_compile generate | grep -q -- "-fprofile-generate=$work/profiles" \
  || fail "ROCI_PGO=generate: a gateway source is compiled without -fprofile-generate=$work/profiles"
gateway_link generate | grep -q -- "-fprofile-generate=$work/profiles" \
  || fail "ROCI_PGO=generate: the gateway is linked without -fprofile-generate"

configure use use || fail "ROCI_PGO=use did not configure: $(tail -5 "$work/use.log")"
gateway_compile use | grep -q -- "-fprofile-use=$work/profiles" \
  || fail "ROCI_PGO=use: a gateway source is compiled without -fprofile-use=$work/profiles"

configure plain "" || fail "ROCI_PGO= did not configure: $(tail -5 "$work/plain.log")"
if gateway_compile plain | grep -q -- "-fprofile-"; then
  fail "ROCI_PGO empty: a gateway source is compiled with profile flags"
fi

if configure bogus bogus; then
  fail "ROCI_PGO=bogus configured; it must be refused"
fi
grep -q "ROCI_PGO must be empty, generate or use" "$work/bogus.log" \
  || fail "ROCI_PGO=bogus: the configure failed without saying why: $(tail -5 "$work/bogus.log")"
# ROCI_LTO: the Release trees above have it on (the default).
gateway_compile plain | grep -q -- "-flto" || fail "Release: a gateway source is compiled without -flto"
gateway_compile plain | grep -q -- "-fno-fat-lto-objects.*-ffat-lto-objects" \
  || fail "Release: objects are not fat LTO objects (-ffat-lto-objects last)"
gateway_link plain | grep -q -- "-flto" || fail "Release: the gateway is linked without -flto"
grep -q '^ROCI_LTO_ACTIVE:INTERNAL=ON' "$work/plain/CMakeCache.txt" \
  || fail "Release: ROCI_LTO_ACTIVE (what bench/run reports) is not ON"
if gateway_link plain | grep -q -- "-fuse-ld=lld"; then fail "Release with LTO: linked by lld"; fi

configure lld "" -DROCI_LINKER=lld || fail "ROCI_LINKER=lld did not configure: $(tail -5 "$work/lld.log")"
if gateway_link lld | grep -q -- "-fuse-ld=lld"; then
  fail "Release with LTO and ROCI_LINKER=lld: linked by lld, which cannot read GCC's LTO objects"
fi

# ROCI_FUNCTION_ORDER: where gold links the Release tree.
order_file=$src/apps/inference-server/function-order.txt
grep -q '^\.text\._ZN4roci' "$order_file" || fail "$order_file names no function of roci"
if grep -q '^ROCI_LINKER:STRING=gold' "$work/plain/CMakeCache.txt"; then
  gateway_link plain | grep -q -- "-ffunction-sections.*--section-ordering-file=$order_file" \
    || fail "Release linked by gold: the gateway is linked without its function order"
  grep -q '^ROCI_FUNCTION_ORDER_ACTIVE:INTERNAL=ON' "$work/plain/CMakeCache.txt" \
    || fail "Release linked by gold: ROCI_FUNCTION_ORDER_ACTIVE is not ON"
else
  echo "build_options_check: gold is not installed; the function order's link flags are not checked"
fi
for tree in generate use; do
  if gateway_link $tree | grep -q -- "--section-ordering-file"; then
    fail "ROCI_PGO=$tree: linked with the function order (the profile lays out the code)"
  fi
done
configure noorder "" -DROCI_FUNCTION_ORDER=OFF || fail "ROCI_FUNCTION_ORDER=OFF did not configure"
if gateway_link noorder | grep -q -- "--section-ordering-file"; then
  fail "ROCI_FUNCTION_ORDER=OFF: linked with the function order"
fi

configure nolto "" -DROCI_LTO=OFF || fail "ROCI_LTO=OFF did not configure: $(tail -5 "$work/nolto.log")"
if gateway_compile nolto | grep -q -- "-flto"; then fail "ROCI_LTO=OFF: compiled with -flto"; fi
grep -q '^ROCI_LTO_ACTIVE:INTERNAL=OFF' "$work/nolto/CMakeCache.txt" \
  || fail "ROCI_LTO=OFF: ROCI_LTO_ACTIVE is not OFF"
if gateway_link nolto | grep -q -- "--section-ordering-file"; then fail "ROCI_LTO=OFF: linked with the function order"; fi
configure debug "" -DCMAKE_BUILD_TYPE=Debug || fail "Debug did not configure: $(tail -5 "$work/debug.log")"
if gateway_compile debug | grep -q -- "-flto"; then fail "Debug: compiled with -flto"; fi
if gateway_link debug | grep -q -- "-flto"; then fail "Debug: linked with -flto"; fi
if gateway_link debug | grep -q -- "--section-ordering-file"; then fail "Debug: linked with the function order"; fi

# ROCI_NO_PLT: the plain tree has the default.
gateway_compile plain | grep -q -- "-fno-plt" || fail "Release: a gateway source is compiled without -fno-plt"
gateway_link plain | grep -q -- "-fno-plt" || fail "Release: the gateway is linked without -fno-plt"
grep -q '^ROCI_NO_PLT_ACTIVE:INTERNAL=ON' "$work/plain/CMakeCache.txt" \
  || fail "Release: ROCI_NO_PLT_ACTIVE (what bench/run reports) is not ON"
configure plt "" -DROCI_NO_PLT=OFF || fail "ROCI_NO_PLT=OFF did not configure: $(tail -5 "$work/plt.log")"
if gateway_compile plt | grep -q -- "-fno-plt"; then fail "ROCI_NO_PLT=OFF: compiled with -fno-plt"; fi
if gateway_compile debug | grep -q -- "-fno-plt"; then fail "Debug: compiled with -fno-plt"; fi

# ROCI_SERVER_ALLOCATOR: the plain tree has the default.
gateway_link plain | grep -q -- "tcmalloc_minimal" || fail "default allocator: the gateway is linked without tcmalloc_minimal"
grep -q '^ROCI_SERVER_ALLOCATOR_ACTIVE:INTERNAL=tcmalloc' "$work/plain/CMakeCache.txt" \
  || fail "default allocator: ROCI_SERVER_ALLOCATOR_ACTIVE (what bench/run reports) is not tcmalloc"
others=$(if [[ -f $work/plain/build.ninja ]]; then
  awk '/^build / { target = $2; sub(/:$/, "", target) } /^ +LINK_LIBRARIES = .*tcmalloc/ { print target }' \
    "$work/plain/build.ninja"
else
  grep -rl -- "tcmalloc" "$work/plain" --include=link.txt | sed "s|^$work/plain/||"
fi | grep -v -e '^apps/inference-server$' -e '^apps/CMakeFiles/inference-server.dir/link.txt$' || true)
[[ -z $others ]] || fail "default allocator: not only the gateway links tcmalloc: $others"
configure sysalloc "" -DROCI_SERVER_ALLOCATOR=system || fail "ROCI_SERVER_ALLOCATOR=system did not configure"
if gateway_link sysalloc | grep -q -- "tcmalloc"; then fail "ROCI_SERVER_ALLOCATOR=system: linked with tcmalloc"; fi
configure sanitized "" -DROCI_SANITIZE=address || fail "ROCI_SANITIZE=address did not configure"
if gateway_link sanitized | grep -q -- "tcmalloc"; then fail "ROCI_SANITIZE=address: linked with tcmalloc"; fi
if configure badalloc "" -DROCI_SERVER_ALLOCATOR=jemalloc; then
  fail "ROCI_SERVER_ALLOCATOR=jemalloc configured; it must be refused"
fi
grep -q "ROCI_SERVER_ALLOCATOR must be tcmalloc or system" "$work/badalloc.log" \
  || fail "ROCI_SERVER_ALLOCATOR=jemalloc: the configure failed without saying why"

echo "build_options_check: ROCI_PGO (generate, use, empty, a bad value), ROCI_LTO, ROCI_FUNCTION_ORDER, ROCI_NO_PLT and ROCI_SERVER_ALLOCATOR behave"
