#!/usr/bin/env bash
# The web console in a real browser: starts the fake LM Studio (one model id is hostile HTML) and
# inference-server in front of it twice (without and with an API key), and a gateway whose fleet
# is one more fake host (Load / Unload), installs puppeteer-core
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

start_gateways "$work" "$gateway_bin" "$fake_url" 2 sk-console-test-key

# A fleet of one host (its own fake, so that loading and unloading there changes nothing the other
# tests see), from a config file: inference.backends is read from files only.
start "$work/fleet-fake.log" "$fake_bin" --mode lmstudio --models "qwen3-8b,llama-3.2-1b" \
  --loaded qwen3-8b --jit-load-delay-ms 200
fleet_fake_url=$(wait_url "$work/fleet-fake.log" "listening on ")
printf 'server:\n  port: 0\ninference:\n  provider: lmstudio\n  backends:\n    - name: desk\n      base_url: %s\nrouting:\n  probe_interval_secs: 1\n' \
  "$fleet_fake_url" >"$work/fleet.yaml"
start "$work/gateway-fleet.log" "$gateway_bin" --config "$work/fleet.yaml"
fleet_url=$(wait_url "$work/gateway-fleet.log" "inference-server listening on ")

cd "$work"
ROCI_GATEWAY_URL=$gateway_url ROCI_KEYED_GATEWAY_URL=$keyed_url ROCI_FLEET_GATEWAY_URL=$fleet_url ROCI_GATEWAY_KEY=sk-console-test-key \
  ROCI_HOSTILE_MODEL=$hostile ROCI_CHROMIUM=$chromium ROCI_SCREENSHOTS=$work/screenshots \
  node --test --test-concurrency=1 console.test.mjs
