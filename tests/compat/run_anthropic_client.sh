#!/usr/bin/env bash
# Starts the fake LM Studio and inference-server in front of it (twice: without and with an API key),
# installs the official `@anthropic-ai/sdk` npm package (pinned in package.json) and runs
# anthropic_client.test.mjs with node's test runner: messages.create, messages.stream, tools,
# count_tokens and Anthropic's error classes, as Claude Code and Anthropic SDK programs use them.
# Usage: run_anthropic_client.sh <inference-server> <fake-upstream> <work dir>
set -euo pipefail
gateway_bin=$1 fake_bin=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
cp "$here/package.json" "$here/anthropic_client.test.mjs" "$work/"
# shellcheck source=../support/harness.sh
source "$here/../support/harness.sh"
npm_install "$work" @anthropic-ai/sdk

start "$work/fake.log" "$fake_bin" --mode lmstudio \
  --models TheBloke/Mistral-7B-Instruct-v0.2-GGUF,TheBloke/Llama-2-7B-Chat-GGUF --token-delay-ms 30
fake_url=$(wait_url "$work/fake.log" "listening on ")

start_gateways "$work" "$gateway_bin" "$fake_url" 1 sk-compat-gateway-key

cd "$work"
ROCI_GATEWAY_URL=$gateway_url ROCI_KEYED_GATEWAY_URL=$keyed_url ROCI_GATEWAY_KEY=sk-compat-gateway-key \
  ROCI_FAKE_URL=$fake_url node --test anthropic_client.test.mjs
