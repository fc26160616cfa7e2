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
# shellcheck source=../support/harness.sh
source "$here/../support/harness.sh"
npm_install "$work" puppeteer-core

hostile='<img src=x onerror=window.__pwned=1>'
start "$work/fake.log" "$fake_bin" --mode lmstudio --models "qwen3-8b,llama-3.2-1b,$hostile" \
  --loaded qwen3-8b --token-delay-ms 25
fake_url=$(wait_url "$work/fake.log" "listening on ")

# One gateway without keys, one that requires an API key (auth.api_keys).
start "$work/gateway.log" env INFERENCE_INFERENCE_PROVIDER=lmstudio \
  INFERENCE_INFERENCE_BASE_URL="$fake_url" INFERENCE_SERVER_PORT=0 INFERENCE_SERVER_THREADS=2 \
  "$gateway_bin"
gateway_url=$(wait_url "$work/gateway.log" "inference-server listening on ")
start "$work/gateway-keyed.log" env INFERENCE_INFERENCE_PROVIDER=lmstudio \
  INFERENCE_INFERENCE_BASE_URL="$fake_url" INFERENCE_SERVER_PORT=0 INFERENCE_SERVER_THREADS=1 \
  INFERENCE_AUTH_API_KEYS=sk-console-test-key "$gateway_bin"
keyed_url=$(wait_url "$work/gateway-keyed.log" "inference-server listening on ")

cd "$work"
ROCI_GATEWAY_URL=$gateway_url ROCI_KEYED_GATEWAY_URL=$keyed_url ROCI_GATEWAY_KEY=sk-console-test-key \
  ROCI_HOSTILE_MODEL=$hostile ROCI_CHROMIUM=$chromium ROCI_SCREENSHOTS=$work/screenshots \
  node --test --test-concurrency=1 console.test.mjs
