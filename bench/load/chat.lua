-- wrk script: POST a realistic ~1 KB chat completion body (system + user message, model
-- "llama3.3", which every upstream of bench/run knows) to /v1/chat/completions.
--
--   wrk -t1 -c64 -d10s -s bench/load/chat.lua http://127.0.0.1:PORT/v1/chat/completions
--
-- The body is read from $BENCH_BODY_FILE, or from chat_request.json next to this script
-- (chat_stream_request.json is the streaming variant: stream true + include_usage).
-- done() prints one machine-readable line for bench/run:
--   WRK requests=N duration_us=D non2xx=N connect=N read=N write=N timeout=N p50_us=.. p99_us=..

local function script_dir()
  local source = debug.getinfo(1, "S").source
  if source:sub(1, 1) == "@" then
    return source:sub(2):match("(.*/)") or "./"
  end
  return "./"
end

local path = os.getenv("BENCH_BODY_FILE") or (script_dir() .. "chat_request.json")
local file = assert(io.open(path, "rb"), "cannot open " .. path)
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "*/*"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p50_us=%.1f p99_us=%.1f\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
