// The web console's routes, called by the router (router.cc) while ui.enabled:
//
//   GET /               browsers (Accept: text/html) get 302 -> /ui/; anything else 404
//   GET /ui, /ui/{file} the console's embedded files (ui_assets.h): ETag, 304, CSP
//   GET /admin/status   the gateway and its backends, one JSON snapshot (a health probe each)
//   GET /admin/events   server-sent events: recent requests, then each as it ends (admin_events.cc)
//   GET /admin/series   the charts' per-5-second series over ten minutes (request_series.h)
//
// Access (admin_access.h): with API keys configured the gate demanded one for /admin/...; with
// none, only loopback peers are served (403 otherwise), the static files included.
#pragma once

#include "server/http/request_context.h"

#include <boost/asio/awaitable.hpp>

namespace roci::server::admin {

asio::awaitable<void> handle_root(RequestContext& ctx);
asio::awaitable<void> handle_ui(RequestContext& ctx);
asio::awaitable<void> handle_admin_status(RequestContext& ctx);
asio::awaitable<void> handle_admin_events(RequestContext& ctx);
asio::awaitable<void> handle_admin_series(RequestContext& ctx);

// The access rule's answer: true when the request may go on; otherwise the 403 was sent.
asio::awaitable<bool> admit_console_request(RequestContext& ctx);

}  // namespace roci::server::admin
