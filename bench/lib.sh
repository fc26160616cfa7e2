# bench/lib.sh — the pieces bench/run, bench/callgrind, bench/critical-path and bench/pgo-build
# share. Sourced, not run.
# shellcheck shell=bash disable=SC2034  # (variables set here are read by the sourcing script)
#
#   LOG_TAG=bench; KEEP_SCRATCH=0; . "$BENCH/lib.sh"
#   bench_scratch roci-bench               # WORK, PIDS, ERRORS, and the trap that stops every pid
#                                          # in PIDS on exit (also on Ctrl-C) and removes WORK
#   ensure_commands nginx curl taskset     # scripts/install-deps.sh --bench when one is missing
#   configure_release "$BUILD"             # configures a Release build dir unless it exists
#   start_upstream_nginx                   # or: start_upstream_fake --zero-delay
#   roci_env "$UP_PORT" "$port" 1          # GW_ENV=(INFERENCE_...=...): the gateway's settings
#   "${PINP[@]}" env "${GW_ENV[@]}" "$GW_BIN" ...
#   stop_upstream
#
# The caller sets ROOT, BENCH, LOG_TAG (log prefix), KEEP_SCRATCH (1 keeps WORK on exit) before
# sourcing, and before starting anything: BENCH_BIN (roci-bench, for free ports), FAKE_BIN
# (fake-upstream), NGINX, NOFILE (the fd limit nginx is configured for) and PINL (the command
# prefix of the load generator and the upstream, e.g. `taskset -c 1`; may be empty).
# Failures to start are recorded with `error` (ERRORS) and returned as status 1. Everything
# listens on 127.0.0.1 only.

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%H:%M:%S)" "$*" >&2; }
error() { ERRORS+=("$*"); log "ERROR: $*"; }

# True while the process exists and is not a zombie.
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for p in "${PIDS[@]}"; do alive "$p" && alive=1; done
    ((alive)) || break
    sleep 0.2
  done
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  if [[ "${KEEP_SCRATCH:-0}" == 1 ]]; then log "scratch kept in $WORK"; else rm -rf "$WORK"; fi
}

bench_scratch() {  # name prefix of the scratch dir
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  PIDS=()
  ERRORS=()
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

# Stops the given pids (ours) and forgets them.
stop_pids() {
  local p q keep=()
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 1 50); do
    local alive=0
    for p in "$@"; do alive "$p" && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "$@"; do kill -KILL "$p" 2>/dev/null; done
  for q in "${PIDS[@]}"; do
    local drop=0
    for p in "$@"; do [[ "$q" == "$p" ]] && drop=1; done
    ((drop)) || keep+=("$q")
  done
  PIDS=("${keep[@]}")
  # Reap, so a stopped process does not linger as a zombie in the pid list of /proc.
  for p in "$@"; do wait "$p" 2>/dev/null; done
  return 0
}

# Installs the benchmark packages (scripts/install-deps.sh --bench) when a command is missing;
# exits the script when that fails.
ensure_commands() {  # commands...
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null && continue
    log "installing the benchmark tools (scripts/install-deps.sh --bench): $c is missing"
    "$ROOT/scripts/install-deps.sh" --bench || { echo "$LOG_TAG: dependency install failed" >&2; exit 1; }
    return 0
  done
}

# Configures `dir` as a Release build (Ninja, benchmarks on) unless it is configured already; exits
# the script when that fails.
configure_release() {  # dir
  [[ -f "$1/CMakeCache.txt" ]] && return 0
  log "configuring $1 (Release)"
  cmake -S "$ROOT" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release -DROCI_BUILD_BENCH=ON \
    >"$WORK/configure.log" 2>&1 || { cat "$WORK/configure.log" >&2; echo "$LOG_TAG: configure failed" >&2; exit 1; }
}

freeport() { "$BENCH_BIN" freeport; }

wait_port() {  # port timeout_s
  local end=$((SECONDS + $2))
  while ((SECONDS <= end)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}

# Reads "listening on ...:PORT" from a log file that a just-started process writes.
port_from_log() {  # file timeout_s
  local end=$((SECONDS + $2)) port
  while ((SECONDS <= end)); do
    port=$(sed -n 's/.*listening on .*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null | head -1)
    [[ -n "$port" ]] && { echo "$port"; return 0; }
    sleep 0.02
  done
  return 1
}

# pid and its children (nginx master + workers)
with_children() {
  local p=$1
  echo "$p"
  tr ' ' '\n' 2>/dev/null <"/proc/$p/task/$p/children" | grep -v '^$'
}

nginx_common() {  # dir
  local user_line=""
  [[ $(id -u) == 0 ]] && user_line="user root root;"
  cat <<EOF
$user_line
worker_processes 1;
daemon off;
master_process on;
pid $1/nginx.pid;
error_log $1/error.log warn;
worker_rlimit_nofile $NOFILE;
events { worker_connections $((NOFILE - 64)); use epoll; }
EOF
}

nginx_temp_paths() {
  cat <<EOF
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
EOF
}

nginx_quote() { sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" "$1"; }

# nginx as the proxy under test: proxy_pass to 127.0.0.1:$UP_PORT with a keep-alive upstream pool,
# no buffering (events pass as they come), listening on `port`. Writes DIR/nginx.conf.
nginx_proxy_conf() {  # dir port
  {
    nginx_common "$1"
    echo "http {"
    nginx_temp_paths "$1"
    cat <<EOF
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  upstream backend {
    server 127.0.0.1:$UP_PORT;
    keepalive 256;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$2 backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
EOF
  } >"$1/nginx.conf"
}

UP_PORT=""
UP_PIDS=()
UP_DESC=""

# The non-streaming upstream: nginx answering a fixed ~1 KB chat.completion (and /v1/models).
start_upstream_nginx() {
  local dir=$WORK/upstream-nginx
  mkdir -p "$dir/tmp"
  UP_PORT=$(freeport)
  {
    nginx_common "$dir"
    echo "http {"
    nginx_temp_paths "$dir"
    cat <<EOF
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$UP_PORT backlog=4096;
    location = /__bench_status { stub_status; }
    location = /v1/models {
      default_type "application/json; charset=utf-8";
      return 200 '$(nginx_quote "$BENCH/nginx/models.json")';
    }
    location / {
      default_type "application/json; charset=utf-8";
      return 200 '$(nginx_quote "$BENCH/nginx/chat_response.json")';
    }
  }
}
EOF
  } >"$dir/nginx.conf"
  "${PINL[@]}" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/out.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  if ! wait_port "$UP_PORT" 10; then
    error "upstream nginx did not start: $(tail -3 "$dir/error.log" "$dir/out.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  sleep 0.1
  mapfile -t UP_PIDS < <(with_children "$pid")
  UP_DESC="nginx return 200 (1 worker)"
}

# Starts an upstream that logs "listening on 127.0.0.1:PORT" (pinned with PINL); sets UP_PORT,
# UP_PIDS and UP_DESC (`description`).
launch_upstream() {  # description command...
  local desc=$1 logf=$WORK/upstream.$RANDOM.log
  shift
  "${PINL[@]}" "$@" >"$logf" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  UP_PORT=$(port_from_log "$logf" 10) || { error "$desc did not start: $(tail -3 "$logf")"; return 1; }
  UP_PIDS=("$pid")
  UP_DESC=$desc
}

start_upstream_fake() {  # extra args...
  launch_upstream "fake-upstream $*" "$FAKE_BIN" --mode lmstudio --port 0 --threads 1 \
    --keep-alive-ms 600000 --no-control "$@"
}

# roci-bench's paced upstream: the head and the first event in one write, then one event every
# `delay` ms (20 events, stamped with their send time); bench/nginx/chat_response.json for a
# non-streaming request.
start_upstream_paced() {  # delay (ms)
  launch_upstream "roci-bench upstream --token-delay-ms $1" "$BENCH_BIN" upstream --port 0 \
    --token-delay-ms "$1" --chunks 20 --plain-body "$BENCH/nginx/chat_response.json"
}

stop_upstream() { ((${#UP_PIDS[@]})) && stop_pids "${UP_PIDS[0]}"; UP_PIDS=(); UP_PORT=""; }

# GW_ENV: inference-server's settings for a load test against the LM Studio-like upstream on
# `upstream_port`: `threads` I/O threads, log level warn, and limits raised (the defaults 4 / 64 /
# 1024 protect one LM Studio; with them a load test would measure the admission queue), with an
# idle upstream pool of 256 like nginx's `keepalive 256`.
roci_env() {  # upstream_port listen_port threads
  GW_ENV=(INFERENCE_INFERENCE_PROVIDER=lmstudio
          "INFERENCE_INFERENCE_BASE_URL=http://127.0.0.1:$1"
          INFERENCE_SERVER_HOST=127.0.0.1
          "INFERENCE_SERVER_PORT=$2"
          "INFERENCE_SERVER_THREADS=$3"
          INFERENCE_LOG_LEVEL=warn
          INFERENCE_LIMITS_MAX_CONCURRENT_UPSTREAM=100000
          INFERENCE_LIMITS_MAX_QUEUE=100000
          INFERENCE_LIMITS_MAX_CONNECTIONS=100000
          INFERENCE_INFERENCE_HTTP_MAX_IDLE_CONNECTIONS=256)
}
