#include "server/http/cors.h"

#include "config/gateway_config.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>

namespace roci::server {
namespace {

namespace beast = boost::beast;

constexpr std::string_view kVary = "Vary";
constexpr std::string_view kAllowOrigin = "Access-Control-Allow-Origin";

}  // namespace

CorsPolicy::CorsPolicy(const config::CorsSection& cors)
    : max_age_(std::to_string(cors.max_age_secs)) {
  for (const auto& origin : cors.allowed_origins) {
    if (origin == "*") {
      any_origin_ = true;
    } else if (!origin.empty()) {
      origins_.push_back(origin);
    }
  }
  for (const auto& name : cors.allowed_headers) {
    if (!allow_headers_.empty()) allow_headers_ += ", ";
    allow_headers_ += name;
  }
}

bool CorsPolicy::origin_allowed(std::string_view origin) const {
  if (origin.empty() || !enabled()) return false;
  if (any_origin_) return true;
  return std::any_of(origins_.begin(), origins_.end(),
                     [&](const std::string& allowed) { return beast::iequals(allowed, origin); });
}

bool CorsPolicy::is_preflight(const ClientHeader& request) {
  return request.method() == http::verb::options && !request[http::field::origin].empty() &&
         !request[http::field::access_control_request_method].empty();
}

Headers CorsPolicy::preflight_headers(std::string_view origin, std::string_view methods) const {
  Headers out;
  out.emplace_back(kAllowOrigin, origin);
  out.emplace_back(kVary, "Origin");
  out.emplace_back("Access-Control-Allow-Methods", methods);
  if (!allow_headers_.empty()) out.emplace_back("Access-Control-Allow-Headers", allow_headers_);
  out.emplace_back("Access-Control-Max-Age", max_age_);
  return out;
}

Headers CorsPolicy::response_headers(std::string_view origin) const {
  Headers out;
  if (!enabled()) return out;
  if (origin_allowed(origin)) {
    out.emplace_back(kAllowOrigin, origin);
    out.emplace_back("Access-Control-Expose-Headers", "X-Request-Id");
  }
  out.emplace_back(kVary, "Origin");  // the answer depends on Origin: caches must key on it
  return out;
}

Error cors_forbidden(std::string_view origin) {
  return Error{.kind = ErrorKind::kPermissionDenied,
               .message = "Origin \"" + std::string(origin) +
                          "\" is not allowed to call this gateway (cors.allowed_origins).",
               .code = "cors_origin_not_allowed"};
}

}  // namespace roci::server
