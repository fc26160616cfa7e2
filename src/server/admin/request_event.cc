#include "server/admin/request_event.h"

#include "openai_wire/json_writer.h"
#include "openai_wire/literal_match.h"

#include <chrono>

namespace roci::server::admin {
namespace {

using namespace openai_wire::json_literals;  // NOLINT(google-build-using-namespace)
using openai_wire::detail::is_literal;
using openai_wire::detail::starts_with_literal;

double to_ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Appends at most what keeps `out` within kMaxEventText, cut before a UTF-8 continuation byte.
void append_bounded(std::string& out, std::string_view text) {
  if (out.size() >= kMaxEventText) return;
  std::size_t n = std::min(text.size(), kMaxEventText - out.size());
  if (n < text.size()) {
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  out.append(text.data(), n);
}

}  // namespace

bool feed_shows(const RequestLog& log) {
  const std::string_view route = log.route;
  if (is_literal(route, "/") || starts_with_literal(route, "/ui") ||
      starts_with_literal(route, "/admin")) {
    return false;
  }
  if (is_literal(route, "/v1/models") || is_literal(route, "/v1/models/{id}") ||
      is_literal(route, "/health") || is_literal(route, "/metrics")) {
    return log.status >= 400 && log.status != 499;
  }
  return true;
}

void fill_request_event(RequestEvent& e, const RequestLog& log, std::string_view method,
                        std::int64_t time_ms, bool with_content) {
  const auto bounded = [](std::string_view s) { return s.substr(0, 256); };
  e.time_ms = time_ms;
  e.request_id.assign(log.request_id);
  e.method.assign(method);
  e.route.assign(log.route);
  e.dialect.assign(starts_with_literal(log.route, "/v1/") ? "openai" : "");
  e.requested_model.assign(bounded(log.requested_model));
  e.model.assign(bounded(log.model));
  e.backend.assign(log.backend);
  e.status = log.status;
  e.stream = log.stream;
  e.cancelled = log.status == 499 || (log.error_kind && *log.error_kind == ErrorKind::kCancelled);
  const auto total = std::chrono::steady_clock::now() - log.start;
  e.duration_ms = to_ms(total);
  e.ttft_ms.reset();
  if (log.time_to_first_token) e.ttft_ms = to_ms(*log.time_to_first_token);
  e.tokens_in = 0;
  e.tokens_out = 0;
  e.tokens_per_second.reset();
  if (log.usage) {
    e.tokens_in = log.usage->prompt_tokens;
    e.tokens_out = log.usage->completion_tokens;
    // Generation time as /metrics counts it: after the first token when streaming, else the
    // upstream wait.
    const std::chrono::nanoseconds gen = log.time_to_first_token ? total - *log.time_to_first_token
                                         : log.upstream_wait.count() > 0 ? log.upstream_wait
                                                                         : total;
    if (e.tokens_out > 0 && gen.count() > 0) {
      e.tokens_per_second = e.tokens_out / std::chrono::duration<double>(gen).count();
    }
  }
  e.error.assign(log.error_kind ? to_string(*log.error_kind) : std::string_view());
  e.error_message.clear();
  append_bounded(e.error_message, log.error_message);
  e.prompt.clear();
  e.answer.clear();
  if (with_content) {
    e.prompt.assign(log.content_prompt);
    e.answer.assign(log.content_answer);
  }
}

RequestEvent make_request_event(const RequestLog& log, std::string_view method,
                                std::int64_t time_ms, bool with_content) {
  RequestEvent e;
  fill_request_event(e, log, method, time_ms, with_content);
  return e;
}

void note_prompt(RequestLog& log, const std::vector<ModelMessage>& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->role != Role::kUser) continue;
    log.content_prompt.clear();
    if (it->parts.empty()) {
      append_bounded(log.content_prompt, it->content);
    } else {
      for (const ContentPart& part : it->parts) {
        if (part.type == ContentPartType::kText) append_bounded(log.content_prompt, part.text);
      }
    }
    return;
  }
}

void note_answer(RequestLog& log, std::string_view text) {
  append_bounded(log.content_answer, text);
}

std::string encode_request_event(const RequestEvent& e) {
  std::string out;
  openai_wire::JsonWriter w(out);
  w.begin_object();
  w.key("seq"_js).unsigned_integer(e.seq);
  w.key("time_ms"_js).integer(e.time_ms);
  w.key("request_id"_js).string(e.request_id);
  w.key("method"_js).string(e.method);
  w.key("route"_js).string(e.route);
  w.key("dialect"_js).string(e.dialect);
  w.key("requested_model"_js).string(e.requested_model);
  w.key("model"_js).string(e.model);
  w.key("backend"_js).string(e.backend);
  w.key("status"_js).integer(e.status);
  w.key("stream"_js).boolean(e.stream);
  w.key("cancelled"_js).boolean(e.cancelled);
  w.key("ttft_ms"_js);
  if (e.ttft_ms)
    w.number(*e.ttft_ms);
  else
    w.null();
  w.key("tokens_in"_js).integer(e.tokens_in);
  w.key("tokens_out"_js).integer(e.tokens_out);
  w.key("tokens_per_second"_js);
  if (e.tokens_per_second)
    w.number(*e.tokens_per_second);
  else
    w.null();
  w.key("duration_ms"_js).number(e.duration_ms);
  w.key("error"_js).string_or_null(e.error);
  w.key("error_message"_js).string(e.error_message);
  if (!e.prompt.empty() || !e.answer.empty()) {
    w.key("prompt"_js).string(e.prompt);
    w.key("answer"_js).string(e.answer);
  }
  w.end_object();
  return out;
}

}  // namespace roci::server::admin
