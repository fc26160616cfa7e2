#!/usr/bin/env bash
# Exits 0 when the gateway on this machine answers GET /health with 200, else 1. /health answers
# 503 while the upstream (LM Studio, ...) is unreachable, so that is unhealthy too. The Docker
# image's HEALTHCHECK: it needs only bash (its /dev/tcp), as debian:12-slim has no curl.
#
#   scripts/healthcheck.sh          # http://127.0.0.1:${INFERENCE_SERVER_PORT:-3000}/health
#   scripts/healthcheck.sh 8080
#
# /health must not need an API key (auth.public_health: true, the default). The answer's status
# line must arrive within 5 s (Docker's HEALTHCHECK --timeout bounds the whole check as well).
set -uo pipefail
port=${1:-${INFERENCE_SERVER_PORT:-3000}}
[[ $port =~ ^[0-9]+$ ]] || { echo "healthcheck: bad port '$port'" >&2; exit 1; }

exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&3
IFS= read -r -t 5 status <&3 || { echo "healthcheck: no answer from port $port" >&2; exit 1; }
status=${status%$'\r'}
if [[ $status != "HTTP/1.1 200 "* ]]; then
  echo "healthcheck: GET /health answered '$status'" >&2
  exit 1
fi
