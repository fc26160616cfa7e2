#!/usr/bin/env bash
# The web console in a real browser: starts the fake LM Studio (one model id is hostile HTML) and
# inference-server in front of it twice (without and with an API key), installs puppeteer-core
# (pinned in package.json) and runs console.test.mjs with node's test runner against Debian's
# chromium. Screenshots go to <work dir>/screenshots.
# Usage: run_console.sh <inference-server> <fake-upstream> <work dir>
# Exit 77 (skipped) when chromium is not installed (scripts/install-deps.sh --browser installs it).
set -euo pipefail
gateway_bin=$1 fake_bin=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
chromium=${ROCI_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [[ -z $chromium ]]; then
  echo "browser tests skipped: no chromium (scripts/install-deps.sh --browser installs it)" >&2
  exit 77
fi
mkdir -p "$work/screenshots"
work=$(cd "$work" && pwd)
cp "$here/package.json" "$here/console.test.mjs" "$work/"
if [[ ! -d $work/node_modules/puppeteer-core ]]; then
  (cd "$work" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Waits for "<marker>HOST:PORT" in a log file and prints http://HOST:PORT.
wait_url() {
  local log=$1 marker=$2
  for _ in $(seq 1 400); do
    if line=$(grep -m1 -o "$marker[^ ]*" "$log" 2>/dev/null); then
      echo "${line#"$marker"}" | sed 's#^http://##; s#^#http://#'
      return 0
    fi
    sleep 0.05
  done
  echo "timed out waiting for '$marker' in $log:" >&2; cat "$log" >&2; return 1
}

hostile='<img src=x onerror=window.__pwned=1>'
"$fake_bin" --mode lmstudio --models "qwen3-8b,llama-3.2-1b,$hostile" --loaded qwen3-8b \
  --token-delay-ms 25 >"$work/fake.log" 2>&1 &
pids+=($!)
fake_url=$(wait_url "$work/fake.log" "listening on ")

INFERENCE_INFERENCE_PROVIDER=lmstudio INFERENCE_INFERENCE_BASE_URL=$fake_url INFERENCE_SERVER_PORT=0 \
  INFERENCE_SERVER_THREADS=2 "$gateway_bin" >"$work/gateway.log" 2>&1 &
pids+=($!)
gateway_url=$(wait_url "$work/gateway.log" "inference-server listening on ")

INFERENCE_INFERENCE_PROVIDER=lmstudio INFERENCE_INFERENCE_BASE_URL=$fake_url INFERENCE_SERVER_PORT=0 \
  INFERENCE_SERVER_THREADS=1 INFERENCE_AUTH_API_KEYS=sk-console-test-key \
  "$gateway_bin" >"$work/gateway-keyed.log" 2>&1 &
pids+=($!)
keyed_url=$(wait_url "$work/gateway-keyed.log" "inference-server listening on ")

cd "$work"
ROCI_GATEWAY_URL=$gateway_url ROCI_KEYED_GATEWAY_URL=$keyed_url ROCI_GATEWAY_KEY=sk-console-test-key \
  ROCI_HOSTILE_MODEL=$hostile ROCI_CHROMIUM=$chromium ROCI_SCREENSHOTS=$work/screenshots \
  node --test --test-concurrency=1 console.test.mjs
