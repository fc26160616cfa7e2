#!/bin/sh
# apps.version: `inference-server --version` and `roci --version` print "<name> <version>" with the
# git revision of the checkout they were built from, and cmake/WriteVersionHeader.cmake writes the
# version alone for a tree without .git (a release tarball), even one unpacked inside another
# repository, and "-dirty" after the revision of a modified checkout.
#
#   version_check.sh <inference-server> <roci> <project version> <source dir> <scratch dir>
set -eu
server=$1
cli=$2
version=$3
source_dir=$4
work=$5

fail() {
  echo "version_check: $*" >&2
  exit 1
}

# The revision the binaries must name: the source tree's HEAD, when it is a checkout. Tracked files
# modified since the build may make "-dirty" appear or go: either names HEAD.
rev=
if [ -e "$source_dir/.git" ] && command -v git >/dev/null; then
  rev=$(git -C "$source_dir" rev-parse --short=12 HEAD)
fi

check_binary() {  # <path> <name>
  out=$("$1" --version) || fail "$2 --version exited with $?"
  if [ -z "$rev" ]; then
    [ "$out" = "$2 $version" ] || fail "$2 --version printed '$out', expected '$2 $version'"
  elif [ "$out" != "$2 $version (git $rev)" ] && [ "$out" != "$2 $version (git $rev-dirty)" ]; then
    fail "$2 --version printed '$out', expected '$2 $version (git $rev)' (rebuild after a commit)"
  fi
  echo "$out"
}
check_binary "$server" inference-server
check_binary "$cli" roci

# The header generator on scratch trees. $work is inside the build tree, itself usually inside the
# source checkout: a tree there without its own .git must still say the version alone.
write_header() {  # <tree> -> the kVersion line
  cmake -DROCI_VERSION=9.8.7 -DROCI_SOURCE_DIR="$1" \
    -DROCI_VERSION_IN="$source_dir/apps/version.h.in" -DROCI_VERSION_OUT="$work/roci_version.h" \
    -P "$source_dir/cmake/WriteVersionHeader.cmake"
  grep 'kVersion\[\] = ' "$work/roci_version.h"
}
rm -rf "$work"
mkdir -p "$work/tarball"
line=$(write_header "$work/tarball")
[ "$line" = 'inline constexpr char kVersion[] = "9.8.7";' ] ||
  fail "a tree without .git gave: $line"

if command -v git >/dev/null; then
  repo="$work/checkout"
  mkdir -p "$repo"
  git -C "$repo" init -q
  echo one >"$repo/file"
  git -C "$repo" add file
  git -C "$repo" -c user.name=roci -c user.email=roci@localhost commit -q -m one
  scratch_rev=$(git -C "$repo" rev-parse --short=12 HEAD)
  line=$(write_header "$repo")
  [ "$line" = "inline constexpr char kVersion[] = \"9.8.7 (git $scratch_rev)\";" ] ||
    fail "a clean checkout at $scratch_rev gave: $line"
  echo two >"$repo/file"
  line=$(write_header "$repo")
  [ "$line" = "inline constexpr char kVersion[] = \"9.8.7 (git $scratch_rev-dirty)\";" ] ||
    fail "a modified checkout at $scratch_rev gave: $line"
else
  echo "version_check: git is not installed; the checkout cases were not run"
fi
echo "version_check: OK"
