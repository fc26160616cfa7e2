#!/usr/bin/env bash
# package.dockerfile: checks the Dockerfile without Docker (base images cannot be pulled here):
#  1. every COPY source exists in the tree and is not excluded by .dockerignore;
#  2. .dockerignore excludes .git, build/ and every build tree's CMakeCache.txt and CMakeFiles (a
#     host cache copied in would break the image's own configure);
#  3. every COPY --from=build source is something `cmake --install` of this build produces;
#  4. every shared library the built binaries need comes from a package the runtime stage
#     installs, or from debian:12-slim itself (libc6, libgcc-s1, libstdc++6);
#  5. every apt package either stage installs (the build stage through scripts/install-deps.sh)
#     is known to apt-cache. This needs Debian 12's package lists (apt-get update, which .ci/run
#     and scripts/install-deps.sh --apt-lists do): without any, or on another distribution, this
#     part is skipped with a message and the test reports "skipped" (exit 77) once 1-4 passed.
#
#   dockerfile_check.sh <source dir> <build dir> <inference-server> <roci> <scratch dir>
set -euo pipefail
src=$1
build_dir=$2
binaries=("$3" "$4")
work=$5
failures=0

fail() {
  echo "dockerfile_check: $*" >&2
  failures=$((failures + 1))
}

# The Dockerfile's instructions, one per line: continuations joined, comments dropped.
instructions=$(sed -e '/^[[:space:]]*#/d' "$src/Dockerfile" | sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}')

# .dockerignore, as Docker reads it for the paths here: patterns relative to the context root,
# a pattern that matches a directory excludes everything under it, "**/" matches any depth
# (the root too), "!" re-includes, the last matching line wins.
mapfile -t ignore_patterns < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' -e 's|^/||' \
  "$src/.dockerignore")
matches() {  # <path> <pattern>
  local path=$1 pattern=$2
  # shellcheck disable=SC2053 # the pattern is a glob on purpose
  [[ $path == $pattern ]] && return 0
  [[ $pattern == '**/'* ]] && [[ $path == ${pattern#'**/'} ]]
}
excluded() {  # <path relative to the context>: 0 when Docker leaves it out of the context
  local path=${1#./} prefix part result=1 pattern negate
  for pattern in "${ignore_patterns[@]}"; do
    negate=0
    if [[ $pattern == '!'* ]]; then
      negate=1
      pattern=${pattern#!}
    fi
    prefix=
    IFS=/ read -ra parts <<<"$path"
    for part in "${parts[@]}"; do
      prefix=${prefix:+$prefix/}$part
      if matches "$prefix" "$pattern"; then
        result=$negate
        break
      fi
    done
  done
  return $result
}

echo "== 1. COPY sources in the context"
from_sources=()  # "<stage> <path>" of each COPY --from, checked in 3
while read -r -a words; do
  [[ ${words[0]:-} == COPY ]] || continue
  args=()
  from=
  for word in "${words[@]:1}"; do
    case $word in
      --from=*) from=${word#--from=} ;;
      --*) ;;
      *) args+=("$word") ;;
    esac
  done
  unset 'args[${#args[@]}-1]'  # the destination
  for source in "${args[@]}"; do
    if [[ -n $from ]]; then
      from_sources+=("$from $source")
    elif [[ ! -e $src/$source ]]; then
      fail "COPY $source: no such path in the tree"
    elif [[ $source != . ]] && excluded "$source"; then
      fail "COPY $source: excluded by .dockerignore"
    else
      echo "COPY $source: OK"
    fi
  done
done <<<"$instructions"

echo "== 2. build trees outside the context"
must_exclude=(.git build build/release/CMakeCache.txt)
while IFS= read -r found; do
  must_exclude+=("${found#"$src"/}")
done < <(find "$src" -path "$src/.git" -prune -o \( -name CMakeCache.txt -o -name CMakeFiles \) \
  -print)
for path in "${must_exclude[@]}"; do
  excluded "$path" || fail "$path is in the Docker build context: exclude it in .dockerignore"
done
echo "${#must_exclude[@]} paths excluded"

echo "== 3. COPY --from=build sources"
# The build stage installs into /opt/roci; install this build the same way.
rm -rf "$work"
cmake --install "$build_dir" --prefix "$work/opt/roci" >/dev/null
for entry in "${from_sources[@]}"; do
  read -r stage source <<<"$entry"
  if [[ $stage != build ]]; then
    fail "COPY --from=$stage $source: only the build stage is known to this check"
  elif [[ $source != /opt/roci/* ]] || [[ ! -e $work$source ]]; then
    fail "COPY --from=build $source: cmake --install --prefix /opt/roci does not produce it"
  else
    echo "COPY --from=build $source: OK"
  fi
done

# apt-get install arguments per stage ("build" and "runtime"), options dropped.
declare -A stage_packages=()
stage=
while read -r line; do
  case $line in
    FROM*' AS '* | FROM*' as '*) stage=${line##* } ;;
    FROM*) stage=runtime ;;
    RUN*)
      commands=${line//&&/;}
      IFS=';' read -ra commands <<<"$commands"
      for command in "${commands[@]}"; do
        read -ra words <<<"$command"
        [[ ${words[0]:-} == RUN ]] && words=("${words[@]:1}")
        if [[ ${words[0]:-} == apt-get && ${words[*]} == *' install '* ]]; then
          for word in "${words[@]:2}"; do
            [[ $word == -* ]] || stage_packages[$stage]+=" $word"
          done
        elif [[ ${words[0]:-} == scripts/install-deps.sh ]]; then
          # The packages it installs without options: its `packages=(...)` list.
          stage_packages[$stage]+=" $(sed -n '/^packages=(/,/^)/p' "$src/scripts/install-deps.sh" |
            sed -e 's/packages=(//' -e 's/)//' | tr '\n' ' ')"
        fi
      done
      ;;
  esac
done <<<"$instructions"
read -ra build_packages <<<"${stage_packages[build]:-}"
read -ra runtime_packages <<<"${stage_packages[runtime]:-}"
((${#build_packages[@]} > 0)) || fail "found no package the build stage installs"
((${#runtime_packages[@]} > 0)) || fail "found no package the runtime stage installs"

echo "== 4. shared libraries of the binaries"
# soname and path of every library the binaries load, sanitizer runtimes aside (sanitized builds).
declare -A needed=()  # "binary soname" -> path
for binary in "${binaries[@]}"; do
  while read -r soname _ path _; do
    case $soname in
      libasan.so* | libubsan.so* | liblsan.so* | libtsan.so*) continue ;;
    esac
    [[ $path == /* ]] && needed["$(basename "$binary") $soname"]=$path
  done < <(ldd "$binary" | grep '=>')
done
# dpkg knows each file under one spelling: /lib or /usr/lib (merged /usr), symlink or target.
spellings() { printf '%s\n' "$1" "$(readlink -f "$1")" "/usr$1" "${1#/usr}"; }
declare -A owner=()  # path -> package
while IFS= read -r line; do
  owner[${line#*: }]=${line%%:*}
done < <(for path in "${needed[@]}"; do spellings "$path"; done | sort -u |
  xargs dpkg -S 2>/dev/null | grep -v ', ' || true)
provided=" libc6 libgcc-s1 libstdc++6 ${runtime_packages[*]} "
for key in "${!needed[@]}"; do
  path=${needed[$key]}
  package=
  while IFS= read -r spelling; do
    package=${owner[$spelling]:-}
    [[ -n $package ]] && break
  done < <(spellings "$path")
  if [[ -z $package ]]; then
    fail "${key% *} needs ${key#* } ($path), which no Debian package provides"
  elif [[ $provided != *" $package "* ]]; then
    fail "${key% *} needs ${key#* } from $package: add it to the runtime stage"
  fi
done
echo "${#needed[@]} libraries, all from: ${provided# }"

echo "== 5. apt package names"
skip=
lists_dir=$(apt-config shell d Dir::State::lists/d 2>/dev/null | sed -n "s/^d='\(.*\)'$/\1/p")
. /etc/os-release 2>/dev/null || true
if [[ ${ID:-} != debian || ${VERSION_ID:-} != 12 ]]; then
  skip="this machine is not Debian 12 (the Dockerfile's base), so its apt-cache cannot answer"
elif ! compgen -G "${lists_dir:-/var/lib/apt/lists/}*_Packages*" >/dev/null; then
  skip="apt has no package lists (run: sudo apt-get update, or scripts/install-deps.sh --apt-lists)"
else
  # One apt-cache call for all (each call reads the whole cache). A purely virtual name has no
  # "Package:" record, and apt-get install refuses it too.
  records=$(apt-cache show --no-all-versions "${build_packages[@]}" "${runtime_packages[@]}" \
    2>/dev/null || true)
  for package in "${build_packages[@]}" "${runtime_packages[@]}"; do
    if grep -qx "Package: $package" <<<"$records"; then
      echo "$package: OK"
    else
      fail "apt-get install $package would fail: apt-cache does not know it"
    fi
  done
fi

if ((failures > 0)); then
  echo "dockerfile_check: $failures problem(s)" >&2
  exit 1
fi
if [[ -n $skip ]]; then
  echo "dockerfile_check: SKIPPED the apt package check: $skip"
  exit 77
fi
echo "dockerfile_check: OK"
