#!/usr/bin/env bash
# package.healthcheck: the Docker image's HEALTHCHECK (scripts/healthcheck.sh) against the real
# inference-server: 0 while /health answers 200 (the mock), 1 when it answers 503 (LM Studio
# unreachable) and 1 when nothing listens; the port comes from INFERENCE_SERVER_PORT, as in the
# image, or from the argument.
#
#   healthcheck_check.sh <healthcheck.sh> <inference-server> <scratch dir>
set -euo pipefail
check=$1
server=$2
work=$3
pid=

fail() {
  echo "healthcheck_check: $*" >&2
  exit 1
}
stop() {
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  fi
}
trap stop EXIT

start() {  # [env assignments...]: starts the gateway on a free port, sets $pid and $port
  : >"$work/stdout"
  env "$@" "$server" --host 127.0.0.1 --port 0 >"$work/stdout" 2>"$work/stderr" &
  pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's|^inference-server listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/stdout")
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || fail "inference-server exited: $(cat "$work/stderr")"
    sleep 0.1
  done
  fail "inference-server did not start in 10 s"
}

rm -rf "$work"
mkdir -p "$work"

start INFERENCE_INFERENCE_PROVIDER=mock
INFERENCE_SERVER_PORT=$port bash "$check" || fail "a healthy gateway (mock) failed the check"
bash "$check" "$port" || fail "the port argument was not used"
echo "mock on port $port: healthy"
stop
if INFERENCE_SERVER_PORT=$port bash "$check" 2>/dev/null; then
  fail "the check passed with nothing listening on port $port"
fi
echo "nothing on port $port: unhealthy"

# LM Studio where nothing listens (port 1): /health says 503.
start INFERENCE_INFERENCE_PROVIDER=lmstudio INFERENCE_INFERENCE_BASE_URL=http://127.0.0.1:1 \
  INFERENCE_INFERENCE_HTTP_MAX_RETRIES=0
if INFERENCE_SERVER_PORT=$port bash "$check"; then
  fail "the check passed while the upstream was unreachable"
fi
echo "LM Studio unreachable: unhealthy"
echo "healthcheck_check: OK"
