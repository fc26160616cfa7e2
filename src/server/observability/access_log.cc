#include "server/observability/access_log.h"

#include "openai_wire/json_writer.h"
#include "server/observability/logging.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <iterator>
#include <string>

namespace roci::server {
namespace {

using namespace openai_wire::json_literals;

// Appends `s` (at most `max` bytes) with quotes made ' and control characters ?, then "..." when
// it was cut.
void append_printable(fmt::memory_buffer& out, std::string_view s, std::size_t max = 512) {
  for (char c : s.substr(0, max)) {
    out.push_back(c == '"' ? '\'' : (c < 0x20 || c == 0x7f) ? '?' : c);
  }
  if (s.size() > max) out.append(std::string_view("..."));
}

void append_client(fmt::memory_buffer& out, const asio::ip::tcp::endpoint& ep) {
  if (ep.port() == 0 && ep.address().is_unspecified()) {
    out.push_back('-');
    return;
  }
  const auto address = ep.address();
  if (address.is_v6()) {
    fmt::format_to(std::back_inserter(out), "[{}]:{}", address.to_v6().to_string(), ep.port());
  } else {
    // to_bytes, not to_string: no allocation for the common case.
    const auto b = address.to_v4().to_bytes();
    fmt::format_to(std::back_inserter(out), "{}.{}.{}.{}:{}", b[0], b[1], b[2], b[3], ep.port());
  }
}

std::string client_text(const asio::ip::tcp::endpoint& ep) {
  fmt::memory_buffer out;
  append_client(out, ep);
  return fmt::to_string(out);
}

double millis(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::string_view or_dash(std::string_view s) { return s.empty() ? std::string_view("-") : s; }

}  // namespace

void append_access_json(std::string& out, const RequestLog& log, std::string_view method,
                        std::string_view target) {
  const double ms = millis(std::chrono::steady_clock::now() - log.start);
  openai_wire::JsonWriter w(out);
  w.begin_object();
  w.key("event"_js).string("access"_js);
  w.key("request_id"_js).string(log.request_id);
  w.key("client"_js).string(client_text(log.client));
  w.key("method"_js).string_or_null(method);
  w.key("path"_js).string(target.substr(0, target.find('?')).substr(0, 2048));
  w.key("requested_model"_js).string_or_null(log.requested_model);
  w.key("model"_js).string_or_null(log.model);
  w.key("backend"_js).string_or_null(log.backend);
  w.key("status"_js).integer(log.status);
  w.key("duration_ms"_js).number(ms);
  w.key("ttft_ms"_js);
  if (log.time_to_first_token) {
    w.number(millis(*log.time_to_first_token));
  } else {
    w.null();
  }
  w.key("tokens_in"_js).integer(log.usage ? log.usage->prompt_tokens : 0);
  w.key("tokens_out"_js).integer(log.usage ? log.usage->completion_tokens : 0);
  w.key("bytes_out"_js).unsigned_integer(log.bytes_out);
  w.key("stream"_js).boolean(log.stream);
  const bool failed = log.error_kind || !log.error_message.empty();
  w.key("error"_js)
      .string_or_null(failed && log.error_kind ? to_string(*log.error_kind) : std::string_view());
  w.key("message"_js)
      .string_or_null(failed ? std::string_view(log.error_message) : std::string_view());
  w.end_object();
  // Members only: the sink writes them after "time" and "level".
  out.pop_back();
  out.erase(0, 1);
}

void log_access(const RequestLog& log, std::string_view method, std::string_view target) {
  spdlog::logger& logger = access_logger();
  if (!logger.should_log(spdlog::level::info)) return;
  if (json_logs()) {
    std::string members;
    members.reserve(512);
    append_access_json(members, log, method, target);
    logger.info(members);
    return;
  }
  // One buffer per thread, formatted in place: the line costs no allocation once it has grown.
  thread_local fmt::memory_buffer line;
  line.clear();
  auto out = std::back_inserter(line);
  const double ms = millis(std::chrono::steady_clock::now() - log.start);
  fmt::format_to(out, "access id={} method={} path=", log.request_id, or_dash(method));
  append_printable(line, target.substr(0, target.find('?')));
  fmt::format_to(out, " model={} status={} duration_ms={:.3f} ttft_ms=", or_dash(log.model),
                 log.status, ms);
  if (log.time_to_first_token) {
    fmt::format_to(out, "{:.3f}", millis(*log.time_to_first_token));
  } else {
    line.push_back('-');
  }
  fmt::format_to(out, " tokens_in={} tokens_out={} bytes_out={} stream={} client=",
                 log.usage ? log.usage->prompt_tokens : 0,
                 log.usage ? log.usage->completion_tokens : 0, log.bytes_out, log.stream);
  append_client(line, log.client);
  line.append(std::string_view(" requested_model="));
  if (log.requested_model.empty()) {
    line.push_back('-');
  } else {
    append_printable(line, log.requested_model, 256);
  }
  fmt::format_to(out, " backend={}", or_dash(log.backend));
  if (log.error_kind || !log.error_message.empty()) {
    fmt::format_to(out, " error={} message=\"",
                   log.error_kind ? to_string(*log.error_kind) : std::string_view("-"));
    append_printable(line, log.error_message);
    line.push_back('"');
  }
  logger.info(std::string_view(line.data(), line.size()));
}

}  // namespace roci::server
