// The request gate: what the gateway decides about a request from its head alone, before any
// byte of its body is read. Pure: no I/O, no clock, no state; unit-tested without sockets.
//
//   const RouteMatch match = match_route(head.method(), head.target());
//   const GateDecision gate = check_request_head(head, read_ec, match, policy);
//   switch (gate.action) {
//     case GateAction::kAdmit:     /* read the body, run the handler */ break;
//     case GateAction::kRoute:     /* the router answers 404 / 405 */ break;
//     case GateAction::kPreflight: /* 204 with cors.preflight_headers(origin, match.allow) */
//     break; case GateAction::kRefuse:    /* send_error(ctx, gate.error) */ break;
//   }
//
// The checks, in this order; the first that applies decides:
//  1. how reading the head ended (`read_ec`): header bytes over limits.max_header_bytes
//     (kHeadersTooLarge, 431), Content-Length over limits.max_body_bytes (kPayloadTooLarge, 413,
//     the body unread), a malformed head (kInvalidRequest, 400): `bad_head`;
//  2. header fields over limits.max_header_count (kHeadersTooLarge, 431): `bad_head`;
//  3. the connection was accepted past limits.max_connections (kTooManyConnections, 503): `close`;
//  4. a CORS preflight (CORS on): an origin that is not allowed is refused (kPermissionDenied,
//     403); a known route gets kPreflight, an unknown one kRoute (404). No API key is needed;
//  5. the API key, where the route needs one (kUnauthenticated, 401; the body is never read);
//  6. a POST to a known route whose body is not to be read as JSON (kUnsupportedMediaType, 415):
//     see BodyType;
//  7. an unknown path or a wrong method: kRoute (the router's 404 / 405);
//  8. otherwise kAdmit.
// Errors are typed (roci::Error) and carry no wire format: the caller renders them in its
// client's dialect (send_error: the OpenAI envelope). Allocation: none when the request is
// admitted or routed; a refusal builds its message.
#pragma once

#include "server/api/router.h"

#include <roci/core/error.h>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <string_view>

namespace roci::config {
struct LimitsSection;
}

namespace roci::server {

class ApiKeyCheck;
class CorsPolicy;

// What the gate checks against. Every reference outlives the gate's calls.
struct GatePolicy {
  const config::LimitsSection& limits;  // max_header_bytes, max_header_count, max_body_bytes,
                                        // max_connections (named in the messages)
  const ApiKeyCheck* auth = nullptr;    // auth.h; nullptr: no keys required
  const CorsPolicy* cors = nullptr;     // cors.h; nullptr: CORS off
  bool over_connection_limit = false;   // this connection was accepted past max_connections
};

enum class GateAction {
  kAdmit,      // a known route and method: read the body, then run the handler
  kRoute,      // an unknown path or a wrong method: the router answers (404 / 405)
  kPreflight,  // an allowed CORS preflight for a known route: answer 204
  kRefuse,     // answer GateDecision::error
};

struct GateDecision {
  GateAction action = GateAction::kAdmit;
  Error error;  // kRefuse: the answer
  // The head itself is refused (checks 1 and 2): what follows it cannot be framed, so the
  // connection closes after the answer, draining what the client still sends.
  bool bad_head = false;
  // The connection closes after the answer even when nothing of the request is left unread.
  bool close = false;
};

// `head` is what the parser holds once the head was read, `read_ec` how that read ended: success,
// or one of Beast's http::error codes that describe the request (header_limit, body_limit, a
// parse error). A read that ended with the connection (EOF, reset, timeout) is no request and
// is not for the gate. `match` is match_route(head.method(), head.target()).
GateDecision check_request_head(const ClientHeader& head, const boost::beast::error_code& read_ec,
                                const RouteMatch& match, const GatePolicy& policy);

// Whether `ec`, from reading a request's head or body, means the client sent something wrong
// (answered 400 / 413 / 431) rather than the connection ending.
bool is_request_error(const boost::beast::error_code& ec);

// How a POST body's Content-Type (parameters ignored, case-insensitive) is taken.
enum class BodyType {
  kJson,  // application/json, any */*+json: read as JSON
  // None, application/x-www-form-urlencoded (what `curl -d` sends unless told), text/plain: read
  // as JSON, as LM Studio and llama.cpp do, unless the request carries an Origin that CORS does
  // not allow. A browser sends these types cross-site without a preflight, so taking them from
  // any page would let every web site the user visits drive the gateway.
  kUnlabelled,
  kNotJson,  // multipart/form-data, text/html, ...: 415
};
BodyType classify_body_type(std::string_view content_type);

}  // namespace roci::server
