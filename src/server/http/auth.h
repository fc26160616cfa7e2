// Gateway API keys (auth.*): which requests may reach the handlers.
//
//   ApiKeyCheck auth(config.auth);                       // hashes the keys once, at start-up
//   if (auth.required(match.route)) {
//     if (auto outcome = auth.check(request); outcome != AuthOutcome::kAllowed)
//       co_return co_await send_error(ctx, auth_error(outcome));   // 401 + WWW-Authenticate
//   }
//
// A request presents a key as `Authorization: Bearer <key>` (scheme case-insensitive) or
// `x-api-key: <key>`; it is allowed when either matches a configured key. The comparison is
// constant-time: the presented key is hashed (SHA-256) and compared with CRYPTO_memcmp against
// the digest of every configured key, without an early exit, so timing reveals neither a key's
// prefix nor which key matched. ApiKeyCheck keeps only the digests. Immutable after construction:
// one instance serves every I/O thread.
//
// Without keys (auth.api_keys empty) nothing is required. With keys, every request needs one
// except GET /health (auth.public_health), GET /metrics (auth.public_metrics) and the web
// console's static files (/ui, and / which redirects there; /admin/... needs a key); CORS
// preflights are answered before this check (cors.h).
#pragma once

#include "server/api/router.h"

#include <roci/core/error.h>

#include <array>
#include <boost/beast/http/message.hpp>
#include <cstddef>
#include <string_view>
#include <vector>

namespace roci::config {
struct AuthSection;
}

namespace roci::server {

enum class AuthOutcome {
  kAllowed,
  kMissingKey,  // no Authorization: Bearer and no x-api-key
  kWrongKey,    // a key that matches none of auth.api_keys
};

class ApiKeyCheck {
 public:
  explicit ApiKeyCheck(const config::AuthSection& auth);

  // At least one key is configured.
  bool enabled() const { return !digests_.empty(); }
  std::size_t key_count() const { return digests_.size(); }

  // Whether a request for `route` must carry a key (false for everything when not enabled).
  bool required(Route route) const;

  // kAllowed when not enabled or when a presented key matches. Never throws; reads only the
  // Authorization and x-api-key fields.
  AuthOutcome check(const ClientHeader& request) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest digest(std::string_view key);
  bool matches(std::string_view presented) const;  // constant-time over every key

  std::vector<Digest> digests_;
  bool public_health_ = true;
  bool public_metrics_ = false;
};

// The 401 for a refused request, in OpenAI's words (a missing key gets a null `code`, a wrong
// one "invalid_api_key"). The message never contains the presented key.
Error auth_error(AuthOutcome outcome);

}  // namespace roci::server
