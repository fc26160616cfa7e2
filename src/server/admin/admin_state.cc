#include "server/admin/admin_state.h"

#include <utility>

namespace roci::server::admin {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AdminState::AdminState(AdminOptions options)
    : options_(std::move(options)), started_unix_ms_(unix_ms_now()) {}

void AdminState::record(const RequestLog& log, std::string_view method) {
  if (!options_.enabled || !feed_shows(log)) return;
  const std::int64_t now = unix_ms_now();
  RequestEvent event = make_request_event(log, method, now, options_.log_content);
  series_.record(now, event);
  events_.push(std::move(event));
}

}  // namespace roci::server::admin
