#include "server/http/request_context.h"

namespace roci::server {

asio::awaitable<Result<void>> ResponseWriter::queue_event(std::string_view event) {
  co_return co_await send_event(event);
}

asio::awaitable<Result<void>> ResponseWriter::flush() { co_return Result<void>{}; }

}  // namespace roci::server
