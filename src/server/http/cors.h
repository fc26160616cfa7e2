// Browser access (cors.*): answers to CORS preflights and the CORS headers of actual responses.
//
//   CorsPolicy cors(config.cors);
//   const std::string_view origin = request[http::field::origin];
//   if (cors.enabled() && CorsPolicy::is_preflight(request)) {
//     if (!cors.origin_allowed(origin)) co_return co_await send_error(ctx, cors_forbidden(origin));
//     co_await ctx.writer.send(204, "", "", cors.preflight_headers(origin, match.allow));
//   }
//   // Every other response (errors and event streams included) carries:
//   Headers extra = cors.response_headers(origin);
//
// Off (cors.allowed_origins empty, the default): no CORS headers at all, and OPTIONS is an
// ordinary request (405 with Allow on known routes). On: an allowed origin is echoed in
// Access-Control-Allow-Origin with `Vary: Origin` ("*" in the config allows every origin, still
// echoed); no credentials mode (keys travel in headers, not cookies). A preflight needs no API key;
// one from an origin that is not allowed gets 403 in the OpenAI envelope and no CORS headers, so
// the browser refuses the actual request. Immutable after construction: one instance serves every
// I/O thread.
#pragma once

#include "server/http/request_context.h"

#include <roci/core/error.h>

#include <boost/beast/http/message.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace roci::config {
struct CorsSection;
}

namespace roci::server {

class CorsPolicy {
 public:
  explicit CorsPolicy(const config::CorsSection& cors);

  bool enabled() const { return any_origin_ || !origins_.empty(); }
  // False for an empty origin or when CORS is off. Case-insensitive (origins are serialized
  // lower-case by browsers).
  bool origin_allowed(std::string_view origin) const;

  // OPTIONS with Origin and Access-Control-Request-Method.
  static bool is_preflight(const ClientHeader& request);

  // The 204 answer's headers for an allowed origin: Access-Control-Allow-Origin (the origin),
  // Vary, Access-Control-Allow-Methods (`methods`, the route's), Access-Control-Allow-Headers,
  // Access-Control-Max-Age.
  Headers preflight_headers(std::string_view origin, std::string_view methods) const;

  // Headers for every other response to a request with this Origin: for an allowed origin
  // Access-Control-Allow-Origin, Vary: Origin and Access-Control-Expose-Headers: X-Request-Id;
  // for any other origin (or none) just Vary: Origin; nothing when CORS is off.
  Headers response_headers(std::string_view origin) const;

 private:
  std::vector<std::string> origins_;
  bool any_origin_ = false;
  std::string allow_headers_;  // "Authorization, Content-Type, ..."
  std::string max_age_;
};

// The 403 for a preflight from an origin outside cors.allowed_origins.
Error cors_forbidden(std::string_view origin);

}  // namespace roci::server
