#include "server/admin/admin_access.h"

namespace roci::server::admin {

bool is_loopback(const boost::asio::ip::address& peer) {
  if (peer.is_loopback()) return true;
  if (peer.is_v6()) {
    const auto v6 = peer.to_v6();
    if (v6.is_v4_mapped()) {
      return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
    }
  }
  return false;
}

std::optional<Error> console_access(bool keys_required, const boost::asio::ip::address& peer) {
  if (keys_required || is_loopback(peer)) return std::nullopt;
  return Error{.kind = ErrorKind::kPermissionDenied,
               .message =
                   "The web console and /admin/... answer only on the loopback interface while "
                   "no API key is configured. Open it from this machine (http://127.0.0.1:...), "
                   "or set auth.api_keys to use it over the network.",
               .code = "console_loopback_only"};
}

}  // namespace roci::server::admin
