#!/usr/bin/env bash
# package.pgo_options: the ROCI_PGO cache setting (cmake/ProfileGuided.cmake, driven by
# bench/pgo-build) puts GCC's profile flags on every compile and link, and refuses a value it does
# not know. Configures scratch trees only (no build): "generate" instruments with the profile
# directory, "use" reads it, "" adds nothing, anything else fails the configure.
#
#   pgo_options_check.sh <source dir> <scratch dir> <generator>
set -euo pipefail
src=$1
work=$2
generator=$3

fail() {
  echo "pgo_options_check: $*" >&2
  exit 1
}
configure() {  # tree pgo-value
  cmake -S "$src" -B "$work/$1" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
    -DROCI_BUILD_TESTS=OFF -DROCI_BUILD_EXAMPLES=OFF -DROCI_BUILD_BENCH=OFF \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DROCI_PGO="$2" -DROCI_PGO_DIR="$work/profiles" \
    >"$work/$1.log" 2>&1
}
# The flags of one compile of the gateway's sources, from compile_commands.json.
gateway_compile() {  # tree
  grep -m1 -o '"command": "[^"]*src/server/[^"]*"' "$work/$1/compile_commands.json" \
    || fail "$1: no compile command for src/server in compile_commands.json"
}

rm -rf "$work"
mkdir -p "$work"

configure generate generate || fail "ROCI_PGO=generate did not configure: $(tail -5 "$work/generate.log")"
gateway_compile generate | grep -q -- "-fprofile-generate=$work/profiles" \
  || fail "ROCI_PGO=generate: a gateway source is compiled without -fprofile-generate=$work/profiles"
# Link lines: build.ninja (Ninja) or each target's link.txt (Makefiles).
grep -rqs --include=build.ninja --include=link.txt -e "LINK_FLAGS = .*-fprofile-generate=$work/profiles" \
  -e "^[^ ]*c++ .*-fprofile-generate=$work/profiles.* -o " "$work/generate" \
  || fail "ROCI_PGO=generate: the programs are linked without -fprofile-generate"

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
echo "pgo_options_check: generate, use, empty and a bad value behave"
