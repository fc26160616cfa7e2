#include "net/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

namespace roci::net {
namespace {

Error bad_url(std::string_view url, std::string_view what) {
  std::string message = "invalid base URL '";
  message.append(url).append("': ").append(what);
  return Error::invalid_request(std::move(message), "base_url");
}

}  // namespace

std::string Origin::to_string() const {
  std::string out = tls ? "https://" : "http://";
  const bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  out += ':';
  out += port;
  out += base_path;
  return out;
}

Result<Origin> parse_base_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return bad_url(url, "expected an absolute URL such as http://localhost:1234");
  }
  const boost::urls::url_view& u = *parsed;
  Origin origin;
  switch (u.scheme_id()) {
    case boost::urls::scheme::http:
      origin.tls = false;
      break;
    case boost::urls::scheme::https:
      origin.tls = true;
      break;
    default:
      return bad_url(url, "the scheme must be http or https");
  }
  if (!u.has_authority() || u.encoded_host().empty()) return bad_url(url, "it has no host");
  if (u.has_userinfo()) {
    return bad_url(url, "credentials in the URL are not supported; configure an API key instead");
  }
  if (u.has_query()) return bad_url(url, "a query string ('?...') is not allowed");
  if (u.has_fragment()) return bad_url(url, "a fragment ('#...') is not allowed");
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
    case boost::urls::host_type::name:
      origin.host = u.host_address();
      break;
    default:
      return bad_url(url, "unsupported host");
  }
  if (origin.host.empty()) return bad_url(url, "it has no host");

  const std::string_view port = u.has_port() ? std::string_view(u.port()) : std::string_view();
  if (port.empty()) {
    origin.port = origin.tls ? "443" : "80";
  } else {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad_url(url, "the port must be a number from 1 to 65535");
    }
    origin.port = std::to_string(value);
  }

  std::string_view path = u.encoded_path();
  if (!path.empty() && path.front() != '/') {  // e.g. "http://h:12ab" parses as port 12, path "ab"
    return bad_url(url, u.has_port() ? "the port must be a number from 1 to 65535"
                                     : "the path must start with '/'");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  origin.base_path = path;
  return origin;
}

}  // namespace roci::net
