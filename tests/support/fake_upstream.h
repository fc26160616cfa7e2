// Fake upstream servers for the SDK's and the gateway's tests: a fake LM Studio, a fake OpenAI and
// a fake llama.cpp llama-server, speaking real HTTP/1.1 over real sockets on 127.0.0.1.
//
// The LM Studio mode reproduces what docs/LMSTUDIO_API.md records about the real server: Express
// headers and its 5 s keep-alive close, HTTP 200 for unknown routes, the three error envelopes,
// silent model substitution with one loaded model (BT#619), role on the first content chunk, the
// trailing usage chunk only with stream_options.include_usage. Faults are scripted per request.
//
//   roci::testing::FakeUpstream fake({.models = {{"qwen3"}, {"gemma-3"}}});
//   fake.script({.path = "/v1/chat/completions", .cut_after_chunks = 2});
//   ... point the client at fake.base_url() + "/v1" and run it ...
//   EXPECT_EQ(fake.requests().back().outcome, roci::testing::RequestOutcome::kServerClosed);
//
// Answers are deterministic: "Echo: <words of the last user message>" one word per token (a fixed
// sentence when that message is empty), capped by max_tokens (finish_reason "length"). With tools
// in the request and a last user message "call: name {json}; other {json}", the answer is one tool
// call per ';'-separated item (an empty name means the first tool's name).
//
// Thread-safety: every public member may be called from any thread while the server runs.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roci::testing {

enum class FakeMode { kLmStudio, kOpenAi, kLlamaCpp };

struct FakeModel {
  std::string id;
  std::string type = "llm";  // "llm" | "vlm" | "embeddings"
  bool loaded = true;
  int max_context_length = 32768;
  std::optional<int> loaded_context_length;   // default when loaded: min(4096, max_context_length)
  std::vector<std::string> capabilities;      // e.g. {"tool_use"}
  std::string publisher, arch, quantization;  // defaults: lmstudio-community, llama, Q4_K_M
};

struct FakeOptions {
  FakeMode mode = FakeMode::kLmStudio;
  std::vector<FakeModel> models = {{"llama3.3"}};
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: the OS picks a free port
  int threads = 1;          // io_context threads
  // Required Bearer token when non-empty (401 in the mode's envelope otherwise). LM Studio leaves
  // GET /lmstudio-greeting open; llama.cpp leaves /health open.
  std::string api_key;
  // Idle keep-alive sockets are closed by the server after this (Express: 5 s, BT#618).
  std::chrono::milliseconds keep_alive_timeout{5000};
  std::chrono::milliseconds token_delay{0};  // between stream chunks; non-stream: x tokens
  // A model load takes this long: a first request for a model not loaded (JIT), or POST
  // /api/v1/models/load (LM Studio) and /models/load (llama.cpp router). While a model loads, a
  // second first request starts another load, a duplicate instance "m:2" (LM Studio's race,
  // lmstudio-bug-tracker #1751, #168). loads() counts every load.
  std::chrono::milliseconds jit_load_delay{0};
  bool single_model_serves_any_name = true;  // LM Studio BT#619
  bool jit = true;  // LM Studio: /v1/models lists unloaded models; requests load them
  // LM Studio >= 0.4's /api/v1 (models with loaded_instances, load, unload); false: an older
  // LM Studio (0.3.x) that answers those paths like any unknown route (200 + error).
  bool api_v1 = true;
  // Reasoning emitted before the content of every chat answer (empty: none), in
  // delta/message.<reasoning_field>: "reasoning_content" or gpt-oss style "reasoning".
  std::string reasoning;
  std::string reasoning_field = "reasoning_content";
  std::optional<bool> sse_pings;  // ": ping" lines between chunks; default on in kLlamaCpp only
  int embedding_dims = 8;
  std::size_t max_body_bytes = 16u << 20;
  // Generation requests (POST .../completions) served at once; more answer 503 (0: no limit).
  // peak_in_flight() reports the most seen at once either way.
  int max_parallel = 0;
  // llama.cpp: run as llama-server's router mode (--models-dir): GET /models and /v1/models list
  // every model with status.value, POST /models/load|unload, a request loads its model.
  bool llamacpp_router = false;
  bool control = false;              // serve /__control/* (see fake_control.cc for the JSON)
  std::size_t max_records = 100000;  // recorded requests kept; the oldest are dropped
  // Benchmark profile: POST .../chat/completions answers a precomputed ~1 KB body or a 20-chunk
  // stream, no recording, no faults, no delays.
  bool bench = false;
};

// A tool call a Fault makes the next chat answer contain.
struct FakeToolCall {
  std::string name;  // empty: the first tool's name in the request
  std::string arguments = "{}";
};

inline constexpr std::string_view kComputeErrorEvent =
    "data: {\"error\":{\"message\":\"Compute error.\"},\"message\":\"Compute error.\"}\n\n";

// Scripted behaviour, consumed by the next `times` requests matching method and path (empty:
// any). Fields combine: e.g. a header delay and a cut after 3 chunks. "Chunks" are the SSE data
// events of a stream (pings excluded); for a non-stream reply, cut_after_chunks sends the head and
// half the body, then closes.
struct Fault {
  enum class Kind {
    kNone,                  // the normal answer, modified by the fields below
    kRespond,               // status + body + content_type instead of the normal answer
    kMalformedJson,         // 200 application/json whose body is truncated JSON
    kOversized,             // 200 whose body is a valid JSON string of oversized_bytes bytes
    kCloseWithoutResponse,  // read the request, close the socket (a stale keep-alive socket)
    kHang,                  // never answer; the request ends when the client closes
  };
  std::string method;  // "" = any
  std::string path;    // exact path without the query; "" = any
  int times = 1;       // <= 0: every matching request until reset()
  Kind kind = Kind::kNone;

  unsigned status = 200;  // kRespond
  std::string body;       // kRespond
  std::string content_type = "application/json; charset=utf-8";
  std::size_t oversized_bytes = 0;  // kOversized

  std::chrono::milliseconds header_delay{0};       // before the status line (slow first byte)
  std::chrono::milliseconds first_chunk_delay{0};  // after the head, before the first chunk/body
  std::optional<std::chrono::milliseconds> token_delay;  // overrides FakeOptions::token_delay
  std::optional<int> gap_after_chunks;  // an idle gap of `gap` after this many chunks
  std::chrono::milliseconds gap{0};
  std::optional<int> cut_after_chunks;  // close the connection after this many chunks
  bool reset = false;                   // close abortively (RST) for cuts and kCloseWithoutResponse
  std::optional<int> malformed_sse_after_chunks;  // insert malformed_sse there
  std::string malformed_sse = "data: {not json\n\n";
  std::optional<int> error_event_after_chunks;  // write error_event there, end the body, no [DONE]
  std::string error_event{kComputeErrorEvent};

  std::optional<std::string> answer;     // replaces the echo answer ("" = no content deltas)
  std::optional<std::string> reasoning;  // replaces FakeOptions::reasoning
  std::optional<std::string> reasoning_field;
  std::vector<FakeToolCall> tool_calls;  // answer with these calls (even without tools)
  std::optional<std::string> finish_reason;
  std::optional<std::string> model;  // the "model" the response reports

  static Fault respond(unsigned status, std::string body, std::string path = {});
  static Fault hang(std::string path = {});
  static Fault close_without_response(std::string path = {});
  static Fault cut_after(int chunks, std::string path = {});
};

enum class RequestOutcome {
  kInProgress,
  kCompleted,     // the whole response was written
  kClientClosed,  // the client closed the connection before the response completed
  kServerClosed,  // a fault closed the connection (cut, close without response)
};

struct RecordedRequest {
  std::size_t connection = 0;  // 1-based accept order: equal values = a reused connection
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;  // wire order, names as sent
  std::optional<boost::json::value> json;                    // the body, when it parses
  RequestOutcome outcome = RequestOutcome::kInProgress;
  std::chrono::steady_clock::time_point received_at, finished_at;

  std::string path() const;                         // target without the query
  std::string header(std::string_view name) const;  // case-insensitive; "" when absent
  bool completed() const { return outcome == RequestOutcome::kCompleted; }
  bool cancelled() const { return outcome == RequestOutcome::kClientClosed; }
};

std::string_view to_string(RequestOutcome outcome);
std::string_view to_string(FakeMode mode);
std::optional<FakeMode> parse_fake_mode(std::string_view s);  // lmstudio | openai | llamacpp

// Fault and record <-> the JSON of the control endpoints.
boost::json::value to_json(const Fault& fault);
std::optional<Fault> fault_from_json(const boost::json::value& json, std::string* error = nullptr);
boost::json::value to_json(const RecordedRequest& request,
                           std::chrono::steady_clock::time_point epoch);

class FakeUpstream {
 public:
  // Binds, starts its own io_context thread(s) and serves until destroyed. Throws on bind errors.
  explicit FakeUpstream(FakeOptions options = {});
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:PORT"
  unsigned short port() const;
  const FakeOptions& options() const;

  void script(Fault fault);  // queued; FIFO among faults matching the same request
  void clear_script();
  void reset();  // forgets faults, records and counters; restores the initial models

  // Control requests are not recorded. A response's outcome is recorded after its last byte is
  // written, so a client may see the response first: wait_for_idle() before reading outcomes.
  std::vector<RecordedRequest> requests() const;
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;
  bool wait_for_idle(std::chrono::milliseconds timeout) const;  // no request in progress
  std::size_t connections_accepted() const;
  std::size_t open_connections() const;
  // True when a client closed a connection while its response was in progress (a cancellation)
  // not yet reported by a previous call; waits up to `timeout` for one.
  bool wait_for_client_close(std::chrono::milliseconds timeout);
  int cancellations() const;

  void set_models(std::vector<FakeModel> models);
  bool set_model_loaded(std::string_view id, bool loaded);  // false when unknown
  std::vector<FakeModel> models() const;
  // Model loads started on this host (JIT or explicit) since start or reset().
  int loads() const;
  // Generation requests in flight now, and the most that were at once.
  int in_flight() const;
  int peak_in_flight() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roci::testing
