#!/usr/bin/env bash
# The seed's curl examples ("LM Studio Provider - API Reference"), as written, against a gateway
# started on its embedded default (the mock). Only the port differs: the test picks a free one.
# Usage: run_seed_curl.sh <inference-server> <work dir>
set -euo pipefail
gateway_bin=$1 work=$2
mkdir -p "$work"
"$gateway_bin" --port 0 >"$work/seed-gateway.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 400); do
  grep -q "inference-server listening on " "$work/seed-gateway.log" && break
  sleep 0.05
done
port=$(grep -m1 -o "listening on http://127.0.0.1:[0-9]*" "$work/seed-gateway.log" | sed 's/.*://')
[[ -n $port ]] || { cat "$work/seed-gateway.log"; exit 1; }
base="http://localhost:$port"
fails=0
check() {  # check <name> <output> <node expression over `j` (parsed JSON) or `t` (raw text)>
  if node -e "const t=process.argv[1]; let j; try{j=JSON.parse(t)}catch(e){}; if(!($3)) process.exit(1)" "$2"; then
    echo "ok   $1"
  else
    echo "FAIL $1"; echo "$2" | head -20; fails=$((fails+1))
  fi
}

# Basic Chat Completion
out=$(curl -sS -X POST $base/v1/chat/completions \
  -H "Content-Type: application/json" \
  -d '{
    "model": "local-model",
    "messages": [
      {"role": "user", "content": "What is machine learning?"}
    ]
  }')
check "basic chat completion" "$out" 'j.object==="chat.completion" && j.choices[0].message.content.length>0 && j.usage.total_tokens>0'

# Advanced Parameters
out=$(curl -sS -X POST $base/v1/chat/completions \
  -H "Content-Type: application/json" \
  -d '{
    "model": "TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
    "messages": [
      {"role": "system", "content": "You are a helpful coding assistant."},
      {"role": "user", "content": "Write a Python function to sort a list"}
    ],
    "max_tokens": 500,
    "temperature": 0.7,
    "top_p": 0.9,
    "frequency_penalty": 0.1,
    "presence_penalty": 0.1,
    "stop": ["```", "END"],
    "seed": 42
  }')
check "advanced parameters" "$out" 'j.model==="TheBloke/Mistral-7B-Instruct-v0.2-GGUF" && j.choices[0].finish_reason'

# Streaming Responses
out=$(curl -sS -N -X POST $base/v1/chat/completions \
  -H "Content-Type: application/json" \
  -d '{
    "model": "local-model",
    "messages": [
      {"role": "user", "content": "Tell me a story"}
    ],
    "stream": true,
    "max_tokens": 200
  }')
check "streaming" "$out" 't.startsWith("data: {") && t.includes("\"role\":\"assistant\"") && t.includes("\"finish_reason\":\"stop\"") && t.includes("\"usage\"") && t.trimEnd().endsWith("data: [DONE]")'

# List Available Models
out=$(curl -sS $base/v1/models)
check "list models" "$out" 'j.object==="list" && j.data.some(m=>m.id==="local-model")'

# Health Check
out=$(curl -sS $base/health)
check "health" "$out" 'j.status==="ok" && j.provider==="mock"'

if ((fails)); then echo "seed curl examples: $((5 - fails)) passed, $fails failed"; exit 1; fi
echo "seed curl examples: 5 passed, 0 failed"
