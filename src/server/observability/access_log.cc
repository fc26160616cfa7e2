#include "server/observability/access_log.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>

namespace roci::server {
namespace {

std::string printable(std::string_view s, std::size_t max = 512) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (char c : s.substr(0, max)) {
    out.push_back(c == '"' ? '\'' : (c < 0x20 || c == 0x7f) ? '?' : c);
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

void log_access(const RequestLog& log, std::string_view method, std::string_view target) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(spdlog::level::info)) return;
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - log.start)
          .count();
  const std::string_view path = target.substr(0, target.find('?'));
  const int tokens_in = log.usage ? log.usage->prompt_tokens : 0;
  const int tokens_out = log.usage ? log.usage->completion_tokens : 0;
  // The fleet backend that answered (FLEET.md rule 6), last on the line when one did.
  const std::string backend = log.backend.empty() ? "" : " backend=" + printable(log.backend, 64);
  if (log.error_kind || !log.error_message.empty()) {
    logger->info(
        "access id={} method={} path={} model={} status={} duration_ms={:.3f} tokens_in={} "
        "tokens_out={} bytes_out={} stream={} error={} message=\"{}\"{}",
        log.request_id, method.empty() ? "-" : method, printable(path),
        log.model.empty() ? "-" : log.model, log.status, ms, tokens_in, tokens_out, log.bytes_out,
        log.stream, log.error_kind ? to_string(*log.error_kind) : std::string_view("-"),
        printable(log.error_message), backend);
  } else {
    logger->info(
        "access id={} method={} path={} model={} status={} duration_ms={:.3f} tokens_in={} "
        "tokens_out={} bytes_out={} stream={}{}",
        log.request_id, method.empty() ? "-" : method, printable(path),
        log.model.empty() ? "-" : log.model, log.status, ms, tokens_in, tokens_out, log.bytes_out,
        log.stream, backend);
  }
}

}  // namespace roci::server
