// Who may use the web console and its admin API (/ui, /admin/...).
//
//   if (auto refused = console_access(admin.options().keys_required, ctx.peer))
//     co_return co_await fail(ctx, *refused);    // 403
//
// With API keys configured (auth.api_keys), the request gate already demanded a valid key for
// /admin/... (the console's static files need none: the page asks for the key), so anyone with a
// key may use it. With no keys configured, only a loopback peer (127.0.0.0/8, ::1, and IPv4
// loopback mapped into IPv6) may: a gateway listening on the network without keys would
// otherwise show its traffic to anyone. Pure.
#pragma once

#include <roci/core/error.h>

#include <boost/asio/ip/address.hpp>
#include <optional>

namespace roci::server::admin {

// 127.0.0.0/8, ::1, or IPv4 loopback mapped into IPv6.
bool is_loopback(const boost::asio::ip::address& peer);

// nullopt: allowed. Otherwise a kPermissionDenied error (403) saying how to get access.
std::optional<Error> console_access(bool keys_required, const boost::asio::ip::address& peer);

}  // namespace roci::server::admin
