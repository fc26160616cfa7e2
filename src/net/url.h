// Upstream base URLs, parsed once with Boost.URL.
//
//   auto origin = parse_base_url("http://localhost:1234/v1");
//   origin->tls == false; origin->host == "localhost"; origin->port == "1234";
//   origin->base_path == "/v1";   // no trailing slash
#pragma once

#include <roci/core/error.h>

#include <string>
#include <string_view>

namespace roci::net {

struct Origin {
  bool tls = false;
  std::string host;               // no brackets for IPv6
  std::string port;               // explicit or the scheme's default ("80" / "443")
  std::string base_path;          // "" or "/v1", never ending with '/'
  std::string to_string() const;  // scheme://host:port + base_path, for messages
};

// Accepts http and https URLs without credentials, query or fragment. Errors: kInvalidRequest
// naming the URL and what is wrong with it.
Result<Origin> parse_base_url(std::string_view url);

}  // namespace roci::net
