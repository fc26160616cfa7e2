// Internals of the fake upstreams, shared by the sessions (fake_server.cc, on the test server
// core test_http_server.h), the response heads (fake_heads.cc), the per-mode behaviours
// (fake_lmstudio.cc, fake_openai.cc), the chat generator (fake_chat.cc) and the control endpoints
// (fake_control.cc). Not for tests: use fake_upstream.h.
//
// A behaviour turns a parsed Request into a Reply plan (status, body or SSE events); the server
// core writes the plan, applying the Fault's timing and damage, and records the outcome.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/fake_upstream.h"
#include "support/test_http_server.h"

namespace roci::testing::detail {

inline constexpr std::string_view kJsonType = "application/json; charset=utf-8";

// A request as the server core read it, plus what every behaviour needs.
struct Request : ServerRequest {
  std::string path;  // target without the query, percent-decoded
  std::optional<boost::json::value> json;
  std::string json_error;  // why a non-empty body failed to parse
};

struct SseEvent {
  std::string bytes;   // written as one chunk, e.g. "data: {...}\n\n"
  bool data = true;    // counts as a chunk for Fault::*_after_chunks (pings do not)
  bool paced = false;  // token_delay is waited before it
};

struct Reply {
  unsigned status = 200;
  std::string content_type{kJsonType};
  std::string body;  // non-stream
  bool stream = false;
  std::vector<SseEvent> events;  // stream
  int generated_tokens = 0;      // non-stream: the answer takes generated_tokens * token_delay
  std::chrono::milliseconds extra_delay{0};  // before the head (e.g. a JIT load)
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

Reply json_reply(unsigned status, const boost::json::value& body);
std::string json_text(const boost::json::value& body);
std::string sse_data(const boost::json::value& body);  // "data: <json>\n\n"
std::string percent_decode(std::string_view s);
std::int64_t unix_now();

// Shared, mutex-protected state of one fake: models, scripted faults, records, counters.
class State {
 public:
  explicit State(FakeOptions options);

  const FakeOptions& options() const { return options_; }  // immutable but for the models
  std::chrono::steady_clock::time_point epoch() const { return epoch_; }

  std::vector<FakeModel> models() const;
  void set_models(std::vector<FakeModel> models);
  bool set_loaded(std::string_view id, bool loaded);

  void add_fault(Fault fault);
  std::optional<Fault> take_fault(std::string_view method, std::string_view path);
  void clear_faults();

  std::uint64_t begin_request(RecordedRequest record);  // returns its id
  void finish_request(std::uint64_t id, RequestOutcome outcome);
  std::vector<RecordedRequest> requests() const;
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;
  bool wait_for_client_close(std::chrono::milliseconds timeout);
  bool wait_for_idle(std::chrono::milliseconds timeout) const;
  int cancellations() const;
  void reset();

  std::size_t connection_opened();  // returns the 1-based connection number
  void connection_closed();
  std::size_t connections_accepted() const;
  std::size_t open_connections() const;

  // Model lifecycle (fake_fleet.cc). A load of `id`: jit only when it is not loaded (a second
  // one while it loads is LM Studio's duplicate-instance race). nullopt: unknown model, or (jit)
  // already loaded.
  struct LoadStarted {
    std::string instance;  // "m", then "m:2", ...
    std::chrono::milliseconds delay{0};
  };
  std::optional<LoadStarted> begin_load(std::string_view id, bool jit);
  // Unloads instance "m" or "m:N" (the last instance of m). false: no such loaded instance.
  bool unload(std::string_view instance);
  bool loading(std::string_view id) const;  // a load of it is in progress
  int instance_count(std::string_view id) const;
  int loads() const;
  int in_flight() const;
  int peak_in_flight() const;

  // Random ids: `length` characters of `alphabet`.
  std::string random_string(std::size_t length, std::string_view alphabet);

 private:
  const FakeOptions options_;
  const std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  mutable std::vector<FakeModel> models_;
  std::deque<Fault> faults_;
  std::deque<RecordedRequest> records_;  // at most options_.max_records, oldest dropped
  std::uint64_t first_record_id_ = 0;    // id of records_[0]
  int cancellations_ = 0;
  int cancellations_reported_ = 0;
  std::size_t connections_accepted_ = 0;
  std::size_t open_connections_ = 0;
  std::mt19937_64 rng_{20240519};
  struct Runtime {
    int instances = 0;  // loaded or loading copies beyond the model's own "loaded" flag
    std::chrono::steady_clock::time_point loading_until{};
  };
  mutable std::map<std::string, Runtime, std::less<>> runtime_;
  int loads_ = 0;
  int generations_ = 0, peak_generations_ = 0;
  std::vector<std::uint64_t> generation_ids_;
  // A load whose time is over makes its model loaded (models_ is mutable for this).
  void settle_locked() const;
};

inline constexpr std::string_view kBase36 = "0123456789abcdefghijklmnopqrstuvwxyz";
inline constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::string_view kDigits = "0123456789";
inline constexpr std::string_view kHex = "0123456789abcdef";

// Per-mode behaviours: every request that is neither control nor bench goes to one of these.
Reply handle_lmstudio(const Request& request, State& state, const Fault* fault);
Reply handle_openai(const Request& request, State& state, const Fault* fault);
Reply handle_llamacpp(const Request& request, State& state, const Fault* fault);

// /__control/* (only when FakeOptions::control); nullopt when the path is not a control path.
std::optional<Reply> handle_control(const Request& request, State& state);

// The bench profile's precomputed responses, raw HTTP bytes.
struct BenchResponses {
  std::string plain;                // a complete non-stream response
  std::string stream_head;          // status line and headers of the stream
  std::vector<std::string> frames;  // chunked frames, one per SSE event, then the terminator
  std::vector<std::string> frames_with_usage;  // the same plus the trailing usage chunk
};
BenchResponses make_bench_responses(const FakeOptions& options);
// Cheap scans of a raw request body for `"key": true`.
bool body_flag(std::string_view body, std::string_view key);

}  // namespace roci::testing::detail
