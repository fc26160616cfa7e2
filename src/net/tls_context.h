// The TLS client context of one HttpClient: TLS 1.2 or newer, the system trust store plus
// HttpOptions::ca_file, peer verification when HttpOptions::verify_peer (host names are checked
// per connection, see Connection::connect).
//
//   auto ctx = make_tls_context(options);
//   if (!ctx) return ctx.error();   // "cannot load ca_file '/etc/x.pem': ..."
#pragma once

#include <roci/core/error.h>
#include <roci/core/http_options.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>

namespace roci::net {

// Errors: kUpstreamUnreachable when the ca_file cannot be loaded (the message says why).
Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const HttpOptions& options);

}  // namespace roci::net
