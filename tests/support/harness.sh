# Shared by the scripts that drive the real binaries from node (tests/compat, tests/browser):
# sourced, not run. Gives:
#   npm_install <dir> <module>   npm install in <dir> (its package.json) unless <module> is there
#   start <log> <command...>     runs the command in the background, output to <log>; killed on exit
#   wait_url <log> <marker>      waits (20 s) for "<marker>HOST:PORT" in <log>, prints http://HOST:PORT
#   start_gateways <work> <gateway> <fake url> <threads> <key>
#                                two inference-servers in front of the fake LM Studio, one without
#                                keys (gateway_url), one requiring <key> (keyed_url)
npm_install() {
  local dir=$1 module=$2
  if [[ ! -d $dir/node_modules/$module ]]; then
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

harness_pids=()
harness_cleanup() {
  for p in "${harness_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap harness_cleanup EXIT

start() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  harness_pids+=($!)
}

wait_url() {
  local log=$1 marker=$2 line
  for _ in $(seq 1 400); do
    if line=$(grep -m1 -o "$marker[^ ]*" "$log" 2>/dev/null); then
      echo "${line#"$marker"}" | sed 's#^http://##; s#^#http://#'
      return 0
    fi
    sleep 0.05
  done
  echo "timed out waiting for '$marker' in $log:" >&2
  cat "$log" >&2
  return 1
}

start_gateways() {
  local work=$1 gateway=$2 fake_url=$3 threads=$4 key=$5
  start "$work/gateway.log" env INFERENCE_INFERENCE_PROVIDER=lmstudio \
    INFERENCE_INFERENCE_BASE_URL="$fake_url" INFERENCE_SERVER_PORT=0 \
    INFERENCE_SERVER_THREADS="$threads" "$gateway"
  gateway_url=$(wait_url "$work/gateway.log" "inference-server listening on ")
  start "$work/gateway-keyed.log" env INFERENCE_INFERENCE_PROVIDER=lmstudio \
    INFERENCE_INFERENCE_BASE_URL="$fake_url" INFERENCE_SERVER_PORT=0 INFERENCE_SERVER_THREADS=1 \
    INFERENCE_AUTH_API_KEYS="$key" "$gateway"
  keyed_url=$(wait_url "$work/gateway-keyed.log" "inference-server listening on ")
}
