#include "server/http/auth.h"

#include "config/gateway_config.h"
#include "server/api/http_error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/beast/core/string.hpp>
#include <stdexcept>
#include <string>

namespace roci::server {
namespace {

namespace beast = boost::beast;

constexpr std::string_view kBearer = "Bearer";
constexpr std::string_view kApiKeyField = "x-api-key";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The token of "Bearer <token>" (scheme case-insensitive), or "" for any other value.
std::string_view bearer_token(std::string_view authorization) {
  authorization = trim(authorization);
  if (authorization.size() <= kBearer.size() ||
      !beast::iequals(authorization.substr(0, kBearer.size()), kBearer) ||
      (authorization[kBearer.size()] != ' ' && authorization[kBearer.size()] != '\t')) {
    return {};
  }
  return trim(authorization.substr(kBearer.size()));
}

}  // namespace

ApiKeyCheck::ApiKeyCheck(const config::AuthSection& auth)
    : public_health_(auth.public_health), public_metrics_(auth.public_metrics) {
  digests_.reserve(auth.api_keys.size());
  for (const auto& key : auth.api_keys) {
    if (!key.empty()) digests_.push_back(digest(key));
  }
}

bool ApiKeyCheck::required(Route route) const {
  if (!enabled()) return false;
  // The console's page and files carry no data (the page asks for a key for /admin/...); `/`
  // only redirects.
  if (route == Route::kUi || route == Route::kRoot) return false;
  if (route == Route::kHealth) return !public_health_;
  if (route == Route::kMetrics) return !public_metrics_;
  return true;
}

AuthOutcome ApiKeyCheck::check(const ClientHeader& request) const {
  if (!enabled()) return AuthOutcome::kAllowed;
  const std::string_view bearer = bearer_token(request[http::field::authorization]);
  const std::string_view api_key = trim(request[kApiKeyField]);
  if (bearer.empty() && api_key.empty()) return AuthOutcome::kMissingKey;
  // Both presented keys are always compared (no short circuit).
  const bool bearer_ok = !bearer.empty() && matches(bearer);
  const bool api_key_ok = !api_key.empty() && matches(api_key);
  return bearer_ok || api_key_ok ? AuthOutcome::kAllowed : AuthOutcome::kWrongKey;
}

ApiKeyCheck::Digest ApiKeyCheck::digest(std::string_view key) {
  Digest out{};
  unsigned int size = 0;
  if (EVP_Digest(key.data(), key.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != out.size()) {
    throw std::runtime_error("SHA-256 is unavailable in OpenSSL");  // the session answers 500
  }
  return out;
}

bool ApiKeyCheck::matches(std::string_view presented) const {
  const Digest d = digest(presented);
  // Fixed-length digests: every comparison takes the same time; no early exit across keys.
  int found = 0;
  for (const Digest& key : digests_) {
    found |= CRYPTO_memcmp(d.data(), key.data(), d.size()) == 0;
  }
  return found != 0;
}

Error auth_error(AuthOutcome outcome) {
  if (outcome == AuthOutcome::kMissingKey) {
    return Error{.kind = ErrorKind::kUnauthenticated,
                 .message =
                     "You didn't provide an API key. You need to provide your API key in an "
                     "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                     "YOUR_KEY), or in an x-api-key header. Ask the gateway's operator for a "
                     "key (auth.api_keys).",
                 .code = std::string(kMissingApiKeyCode)};
  }
  return Error{.kind = ErrorKind::kUnauthenticated,
               .message =
                   "Incorrect API key provided. The gateway accepts only the keys in its "
                   "auth.api_keys; ask its operator for a valid key.",
               .code = "invalid_api_key"};
}

}  // namespace roci::server
