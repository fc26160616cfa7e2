#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan+UBSan) and runs each for a bounded time.
# Usage: scripts/fuzz.sh [seconds-per-target] [target...]
#   targets: chat_request sse_parser upstream_decode config_loader model_selector responses_request
#            messages_request (default: all)
#   scripts/fuzz.sh 20                 # CI: 20 s each
#   scripts/fuzz.sh 3600 sse_parser    # an hour on one target
#   ROCI_FUZZ_JOBS=2 scripts/fuzz.sh 3600   # 2 parallel libFuzzer jobs per target (-jobs/-workers)
# Environment: ROCI_FUZZ_BUILD_DIR (build/fuzz), ROCI_FUZZ_BUILD_JOBS (2), ROCI_FUZZ_JOBS (1),
#   ROCI_FUZZ_MAX_LEN (64 KiB; 4 KiB for config_loader), ROCI_FUZZ_ARGS (extra libFuzzer flags),
#   CC/CXX (clang-14).
# The working corpus (seeds from fuzz/corpus/<target>, the test fixtures and config/*.yaml, plus
# what libFuzzer finds) lives in <build>/corpus/<target> and is kept between runs. Crash inputs go
# to <build>/artifacts/<target>/; copy them to fuzz/regressions/<target>/ (see fuzz/README.md).
# Prints per target the executions, exec/s, coverage and the crash verdict; exits 1 on a crash.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${ROCI_FUZZ_BUILD_DIR:-$root/build/fuzz}
build_jobs=${ROCI_FUZZ_BUILD_JOBS:-2}
jobs=${ROCI_FUZZ_JOBS:-1}
all_targets=(chat_request sse_parser upstream_decode config_loader model_selector responses_request
  messages_request)

seconds=30
if (($# > 0)); then
  [[ $1 =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [seconds-per-target] [target...]" >&2; exit 2; }
  seconds=$1
  shift
fi
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz: unknown target $t (${all_targets[*]})" >&2; exit 2; }
done

export CC=${CC:-clang-14} CXX=${CXX:-clang++-14}
command -v "$CXX" >/dev/null || {
  echo "fuzz: $CXX not found; run scripts/install-deps.sh --fuzz" >&2
  exit 2
}

# ---- configure and build (only the fuzz targets and the three libraries they link)
if ! grep -q '^ROCI_BUILD_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROCI_BUILD_FUZZ=ON \
    -DROCI_BUILD_TESTS=OFF -DROCI_BUILD_EXAMPLES=OFF -DROCI_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j "$build_jobs" --target "${targets[@]/%/_fuzz}"

# ---- seeds: the committed ones plus the fixtures that fit each target
seed_target() {
  local t=$1 dir=$build/corpus/$1
  mkdir -p "$dir"
  cp -n "$root"/fuzz/corpus/"$t"/* "$dir"/ 2>/dev/null || true
  local fixtures=()
  case "$t" in
    sse_parser) mapfile -t fixtures < <(find "$root/tests/support/fixtures" -name '*.sse') ;;
    upstream_decode)
      mapfile -t fixtures < <(find "$root/tests/support/fixtures" -name '*.sse' -o -name '*.json') ;;
    config_loader) mapfile -t fixtures < <(find "$root/config" -name '*.yaml') ;;
    responses_request)
      mapfile -t fixtures < <(find "$root/tests/support/fixtures/responses" -name '*.request.json') ;;
    messages_request)
      mapfile -t fixtures < <(find "$root/tests/support/fixtures/anthropic" -name 'request_*.json') ;;
  esac
  local f
  for f in "${fixtures[@]}"; do  # flattened names: lmstudio/stream_basic.sse -> lmstudio_stream_basic.sse
    local rel=${f#"$root"/}
    rel=${rel#tests/support/fixtures/}
    cp -n "$f" "$dir/fixture_${rel//\//_}"
  done
}

dict_for() {
  case "$1" in
    chat_request | responses_request | messages_request) echo "$root/fuzz/dict/json.dict" ;;
    sse_parser) echo "$root/fuzz/dict/sse.dict" ;;
    upstream_decode)
      cat "$root/fuzz/dict/json.dict" "$root/fuzz/dict/sse.dict" >"$build/upstream_decode.dict"
      echo "$build/upstream_decode.dict" ;;
    config_loader) echo "$root/fuzz/dict/config.dict" ;;
    model_selector) echo "$root/fuzz/dict/model_selector.dict" ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
sym=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
[[ -n $sym ]] && export ASAN_SYMBOLIZER_PATH=$sym

# ---- run
failed=0
summary=()
for t in "${targets[@]}"; do
  seed_target "$t"
  artifacts=$build/artifacts/$t
  logs=$build/logs/$t
  rm -rf "$logs"
  mkdir -p "$artifacts" "$logs"
  before=$(find "$artifacts" -type f | sort)
  max_len=65536
  [[ $t == config_loader ]] && max_len=4096  # configs are small; an unknown key costs O(len) (README)
  max_len=${ROCI_FUZZ_MAX_LEN:-$max_len}
  args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=5 -rss_limit_mb=2048
        -dict="$(dict_for "$t")" -artifact_prefix="$artifacts/" -print_final_stats=1)
  ((jobs > 1)) && args+=(-jobs="$jobs" -workers="$jobs")
  # shellcheck disable=SC2206
  args+=(${ROCI_FUZZ_ARGS:-})
  echo "fuzz: $t for ${seconds}s (log: $logs/)"
  rc=0
  (cd "$logs" && "$build/fuzz/${t}_fuzz" "${args[@]}" "$build/corpus/$t" >"$logs/main.log" 2>&1) || rc=$?
  new=$(comm -13 <(echo "$before") <(find "$artifacts" -type f | sort) | tr '\n' ' ')

  # Figures: summed over the jobs' logs (fuzz-N.log) or the single log.
  shopt -s nullglob
  job_logs=("$logs"/fuzz-*.log)
  shopt -u nullglob
  ((${#job_logs[@]})) || job_logs=("$logs/main.log")
  execs=0 rate=0 cov=0 ft=0 corp=0
  for log in "${job_logs[@]}"; do
    n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)
    [[ -n $n ]] || n=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#' || true)
    execs=$((execs + ${n:-0}))
    r=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | awk '{print $2}' || true)
    rate=$((rate + ${r:-0}))
    line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
    c=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
    f=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
    p=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$line")
    ((${c:-0} > cov)) && cov=$c
    ((${f:-0} > ft)) && ft=$f
    ((${p:-0} > corp)) && corp=$p
  done
  ((rate > 0)) || rate=$((execs / (seconds > 0 ? seconds : 1)))
  verdict="no crash"
  crash_pattern='^==[0-9]+==ERROR|^SUMMARY: |deadly signal|FUZZ_CHECK failed'
  if ((rc != 0)) || [[ -n ${new// /} ]] || grep -qE "$crash_pattern" "${job_logs[@]}"; then
    verdict="CRASH (rc $rc; artifacts: ${new:-none})"
    failed=1
    grep -hE -m3 'ERROR: |FUZZ_CHECK failed|SUMMARY: ' "${job_logs[@]}" | sed 's/^/    /' || true
  fi
  summary+=("$(printf '%-16s execs %-10s exec/s %-7s cov %-5s ft %-6s corpus %-5s %s' \
    "$t" "$execs" "$rate" "$cov" "$ft" "$corp" "$verdict")")
  echo "  ${summary[-1]}"
done

echo
echo "fuzz: ${seconds}s per target, $jobs job(s)"
printf '  %s\n' "${summary[@]}"
exit "$failed"
