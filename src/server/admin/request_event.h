// One finished request as the web console's live feed shows it (GET /admin/events), and the
// one function that turns the session's RequestLog into it.
//
//   RequestEvent e = make_request_event(log, "POST", unix_ms_now());
//   std::string json = encode_request_event(e);  // {"seq":..,"time_ms":..,"route":..,..}
//
// Pure: no I/O, no locks. Strings are copied (the log dies with its request) and bounded
// (kMaxEventText bytes each), so the ring's memory is bounded by its capacity.
#pragma once

#include "server/http/request_context.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roci::server::admin {

inline constexpr std::size_t kMaxEventText = 2048;  // content and error message, each

struct RequestEvent {
  std::uint64_t seq = 0;     // set by the ring: 1, 2, 3, ... (the SSE `id:`)
  std::int64_t time_ms = 0;  // unix milliseconds when the request ended
  std::string request_id;
  std::string method;
  std::string route;            // the route label ("/v1/chat/completions")
  std::string dialect;          // "openai" for /v1/..., else ""
  std::string requested_model;  // as the client sent it ("" when none)
  std::string model;            // resolved id ("" when none)
  std::string backend;          // provider instance that served it ("" when none)
  int status = 0;               // 499: the client went away
  bool stream = false;
  bool cancelled = false;
  std::optional<double> ttft_ms;
  int tokens_in = 0;
  int tokens_out = 0;
  std::optional<double> tokens_per_second;
  double duration_ms = 0;
  std::string error;  // ErrorKind name ("" when none)
  std::string error_message;
  std::string prompt;  // only with ui.log_content
  std::string answer;  // only with ui.log_content
};

// Whether the feed shows this request: inference routes always; the console's own routes (/ui,
// /admin/...) never; model lists, /health and /metrics only when they failed.
bool feed_shows(const RequestLog& log);

// Sets every field but seq from the log, `method` and the time the request ended, reusing the
// strings' storage (a ring slot overwritten in place allocates nothing once warm).
void fill_request_event(RequestEvent& event, const RequestLog& log, std::string_view method,
                        std::int64_t time_ms, bool with_content);
// The same, into a new event.
RequestEvent make_request_event(const RequestLog& log, std::string_view method,
                                std::int64_t time_ms, bool with_content);

// ui.log_content: keep the last user message's text / append answer text, each cut at
// kMaxEventText bytes (on a UTF-8 boundary).
void note_prompt(RequestLog& log, const std::vector<ModelMessage>& messages);
void note_answer(RequestLog& log, std::string_view text);

// One JSON object (no trailing newline).
std::string encode_request_event(const RequestEvent& event);

}  // namespace roci::server::admin
