#include "server/observability/access_log.h"

#include "openai_wire/json_writer.h"
#include "server/observability/logging.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>

namespace roci::server {
namespace {

using namespace openai_wire::json_literals;

std::string printable(std::string_view s, std::size_t max = 512) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (char c : s.substr(0, max)) {
    out.push_back(c == '"' ? '\'' : (c < 0x20 || c == 0x7f) ? '?' : c);
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string client_text(const asio::ip::tcp::endpoint& ep) {
  if (ep.port() == 0 && ep.address().is_unspecified()) return "-";
  const auto address = ep.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
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
  const double ms = millis(std::chrono::steady_clock::now() - log.start);
  const std::string_view path = target.substr(0, target.find('?'));
  const int tokens_in = log.usage ? log.usage->prompt_tokens : 0;
  const int tokens_out = log.usage ? log.usage->completion_tokens : 0;
  const std::string ttft =
      log.time_to_first_token ? fmt::format("{:.3f}", millis(*log.time_to_first_token)) : "-";
  std::string line = fmt::format(
      "access id={} method={} path={} model={} status={} duration_ms={:.3f} ttft_ms={} "
      "tokens_in={} tokens_out={} bytes_out={} stream={} client={} requested_model={} backend={}",
      log.request_id, or_dash(method), printable(path), or_dash(log.model), log.status, ms, ttft,
      tokens_in, tokens_out, log.bytes_out, log.stream, client_text(log.client),
      or_dash(printable(log.requested_model, 256)), or_dash(log.backend));
  if (log.error_kind || !log.error_message.empty()) {
    line += fmt::format(" error={} message=\"{}\"",
                        log.error_kind ? to_string(*log.error_kind) : std::string_view("-"),
                        printable(log.error_message));
  }
  logger.info(line);
}

}  // namespace roci::server
