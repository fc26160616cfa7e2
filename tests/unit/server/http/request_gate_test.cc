// The request gate without sockets: request heads in, decisions out, in the documented order.
#include "server/http/request_gate.h"

#include "config/gateway_config.h"
#include "server/api/http_error.h"
#include "server/http/auth.h"
#include "server/http/cors.h"

#include <gtest/gtest.h>
#include <boost/beast/http/error.hpp>

#include <cstdlib>
#include <new>
#include <string>

// Counts this thread's operator new calls while `g_counting` is on (the admit path must not
// allocate).
namespace {
thread_local bool g_counting = false;
thread_local int g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace roci::server {
namespace {

namespace beast = boost::beast;

constexpr std::string_view kKey = "sk-test-key";
constexpr std::string_view kOrigin = "https://app.example.com";

ClientHeader head(http::verb method, std::string_view target, std::string_view content_type = {}) {
  ClientHeader h;
  h.method(method);
  h.target(target);
  h.version(11);
  h.set(http::field::host, "x");
  if (!content_type.empty()) h.set(http::field::content_type, content_type);
  return h;
}

ClientHeader chat_post() {
  return head(http::verb::post, "/v1/chat/completions", "application/json");
}

ClientHeader with_key(ClientHeader h) {
  h.set(http::field::authorization, "Bearer " + std::string(kKey));
  return h;
}

ClientHeader preflight(std::string_view target, std::string_view origin) {
  ClientHeader h = head(http::verb::options, target);
  h.set(http::field::origin, origin);
  h.set(http::field::access_control_request_method, "POST");
  return h;
}

class RequestGateTest : public ::testing::Test {
 protected:
  RequestGateTest() {
    limits_.max_header_count = 10;
    limits_.max_header_bytes = 4096;
    limits_.max_body_bytes = 1000;
    limits_.max_connections = 7;
    config::AuthSection auth;
    auth.api_keys = {std::string(kKey)};
    auth_ = std::make_unique<ApiKeyCheck>(auth);
    config::CorsSection cors;
    cors.allowed_origins = {std::string(kOrigin)};
    cors_ = std::make_unique<CorsPolicy>(cors);
  }

  GatePolicy open_policy() const { return GatePolicy{.limits = limits_}; }
  GatePolicy guarded_policy() const {
    return GatePolicy{.limits = limits_, .auth = auth_.get(), .cors = cors_.get()};
  }

  static GateDecision check(const ClientHeader& h, const GatePolicy& policy,
                            beast::error_code read_ec = {}) {
    return check_request_head(h, read_ec, match_route(h.method(), h.target()), policy);
  }

  static HttpError wire(const GateDecision& d) { return to_http_error(d.error); }

  config::LimitsSection limits_;
  std::unique_ptr<ApiKeyCheck> auth_;
  std::unique_ptr<CorsPolicy> cors_;
};

TEST_F(RequestGateTest, AdmitsAKnownRouteAndMethod) {
  const GateDecision d = check(chat_post(), open_policy());
  EXPECT_EQ(d.action, GateAction::kAdmit);
  EXPECT_FALSE(d.bad_head);
  EXPECT_FALSE(d.close);
  EXPECT_EQ(check(head(http::verb::get, "/v1/models"), open_policy()).action, GateAction::kAdmit);
}

TEST_F(RequestGateTest, UnknownPathsAndWrongMethodsGoToTheRouter) {
  EXPECT_EQ(check(head(http::verb::get, "/nothing"), open_policy()).action, GateAction::kRoute);
  EXPECT_EQ(check(head(http::verb::get, "/v1/chat/completions"), open_policy()).action,
            GateAction::kRoute);
  // The media type is only checked for a route that takes the POST.
  EXPECT_EQ(check(head(http::verb::post, "/nothing", "text/plain"), open_policy()).action,
            GateAction::kRoute);
}

TEST_F(RequestGateTest, OversizedHeaderBytesAre431NamingTheLimit) {
  const GateDecision d = check(chat_post(), open_policy(), http::error::header_limit);
  EXPECT_EQ(d.action, GateAction::kRefuse);
  EXPECT_TRUE(d.bad_head);
  EXPECT_EQ(d.error.kind, ErrorKind::kHeadersTooLarge);
  EXPECT_EQ(d.error.message, "Request headers exceed limits.max_header_bytes (4096 bytes).");
  EXPECT_EQ(wire(d).status, 431);
  EXPECT_EQ(wire(d).type, "invalid_request_error");
  EXPECT_EQ(wire(d).code, "headers_too_large");
}

TEST_F(RequestGateTest, TooManyFieldsAre431NamingTheCount) {
  ClientHeader h = chat_post();  // Host and Content-Type: 2 fields
  for (int i = 0; i < 8; ++i) h.insert("X-F" + std::to_string(i), "v");
  EXPECT_EQ(check(h, open_policy()).action, GateAction::kAdmit);  // 10: at the limit
  h.insert("X-Last", "v");
  const GateDecision d = check(h, open_policy());
  EXPECT_EQ(d.action, GateAction::kRefuse);
  EXPECT_TRUE(d.bad_head);
  EXPECT_EQ(d.error.kind, ErrorKind::kHeadersTooLarge);
  EXPECT_EQ(d.error.message, "Request has 11 header fields; limits.max_header_count is 10.");
  EXPECT_EQ(wire(d).status, 431);
}

TEST_F(RequestGateTest, ContentLengthOverTheLimitIs413Unread) {
  ClientHeader h = chat_post();
  h.set(http::field::content_length, "5000");
  const GateDecision d = check(h, open_policy(), http::error::body_limit);
  EXPECT_EQ(d.action, GateAction::kRefuse);
  EXPECT_TRUE(d.bad_head);
  EXPECT_EQ(d.error.kind, ErrorKind::kPayloadTooLarge);
  EXPECT_EQ(d.error.message,
            "Request body of 5000 bytes exceeds limits.max_body_bytes (1000 bytes).");
  EXPECT_EQ(wire(d).status, 413);
}

TEST_F(RequestGateTest, MalformedHeadIs400) {
  const GateDecision d = check(chat_post(), open_policy(), http::error::bad_field);
  EXPECT_EQ(d.action, GateAction::kRefuse);
  EXPECT_TRUE(d.bad_head);
  EXPECT_EQ(d.error.kind, ErrorKind::kInvalidRequest);
  EXPECT_TRUE(d.error.message.starts_with("Malformed HTTP request: ")) << d.error.message;
  EXPECT_EQ(wire(d).status, 400);
}

TEST_F(RequestGateTest, OverTheConnectionLimitIs503AndCloses) {
  GatePolicy policy = guarded_policy();
  policy.over_connection_limit = true;
  // Before the preflight and the key: the connection is refused whatever it asks.
  for (const auto& h : {chat_post(), preflight("/v1/chat/completions", kOrigin)}) {
    const GateDecision d = check(h, policy);
    EXPECT_EQ(d.action, GateAction::kRefuse);
    EXPECT_TRUE(d.close);
    EXPECT_FALSE(d.bad_head);
    EXPECT_EQ(d.error.kind, ErrorKind::kTooManyConnections);
    EXPECT_EQ(d.error.message,
              "The gateway is at limits.max_connections (7 client connections). Retry shortly.");
    EXPECT_EQ(wire(d).status, 503);
    EXPECT_EQ(wire(d).type, "api_error");
    EXPECT_EQ(wire(d).code, "too_many_connections");
  }
  // A bad head is still answered for what it is.
  EXPECT_EQ(check(chat_post(), policy, http::error::header_limit).error.kind,
            ErrorKind::kHeadersTooLarge);
}

TEST_F(RequestGateTest, PreflightsNeedNoKey) {
  EXPECT_EQ(check(preflight("/v1/chat/completions", kOrigin), guarded_policy()).action,
            GateAction::kPreflight);
  // Unknown route: the router's 404.
  EXPECT_EQ(check(preflight("/nothing", kOrigin), guarded_policy()).action, GateAction::kRoute);
  const GateDecision d =
      check(preflight("/v1/chat/completions", "https://evil.example"), guarded_policy());
  EXPECT_EQ(d.action, GateAction::kRefuse);
  EXPECT_EQ(d.error.kind, ErrorKind::kPermissionDenied);
  EXPECT_EQ(wire(d).status, 403);
}

TEST_F(RequestGateTest, WithCorsOffOptionsIsAnOrdinaryRequest) {
  const GateDecision d = check(preflight("/v1/chat/completions", kOrigin), open_policy());
  EXPECT_EQ(d.action, GateAction::kRoute);  // 405 with Allow from the router
}

TEST_F(RequestGateTest, MissingOrWrongKeyIs401BeforeTheMediaType) {
  const GateDecision missing =
      check(head(http::verb::post, "/v1/chat/completions", "text/plain"), guarded_policy());
  EXPECT_EQ(missing.action, GateAction::kRefuse);
  EXPECT_EQ(missing.error.kind, ErrorKind::kUnauthenticated);
  EXPECT_EQ(wire(missing).status, 401);
  EXPECT_EQ(wire(missing).code, "");  // a missing key: null code, as OpenAI

  ClientHeader wrong = chat_post();
  wrong.set(http::field::authorization, "Bearer nope");
  EXPECT_EQ(wire(check(wrong, guarded_policy())).code, "invalid_api_key");

  EXPECT_EQ(check(with_key(chat_post()), guarded_policy()).action, GateAction::kAdmit);
  // Public health needs no key; an unknown route does.
  EXPECT_EQ(check(head(http::verb::get, "/health"), guarded_policy()).action, GateAction::kAdmit);
  EXPECT_EQ(check(head(http::verb::get, "/nothing"), guarded_policy()).error.kind,
            ErrorKind::kUnauthenticated);
}

TEST_F(RequestGateTest, NonJsonPostIs415) {
  const GateDecision d =
      check(head(http::verb::post, "/v1/chat/completions", "multipart/form-data; boundary=x"),
            open_policy());
  EXPECT_EQ(d.action, GateAction::kRefuse);
  EXPECT_EQ(d.error.kind, ErrorKind::kUnsupportedMediaType);
  EXPECT_EQ(d.error.message,
            "Content-Type must be application/json (got \"multipart/form-data; boundary=x\").");
  EXPECT_EQ(wire(d).status, 415);
  EXPECT_FALSE(d.close);  // the connection stays unless the body is left unread
  EXPECT_EQ(
      check(head(http::verb::post, "/v1/chat/completions", "text/html"), open_policy()).error.kind,
      ErrorKind::kUnsupportedMediaType);
  EXPECT_EQ(check(head(http::verb::post, "/v1/embeddings", "application/json; charset=utf-8"),
                  open_policy())
                .action,
            GateAction::kAdmit);
}

TEST_F(RequestGateTest, ModelLoadWithoutABodyNeedsNoContentType) {
  EXPECT_EQ(check(head(http::verb::post, "/v1/models/m/load"), open_policy()).action,
            GateAction::kAdmit);
  EXPECT_EQ(check(head(http::verb::post, "/v1/models/m/unload"), open_policy()).action,
            GateAction::kAdmit);
  EXPECT_EQ(check(head(http::verb::post, "/v1/models/m/load", "image/png"), open_policy()).action,
            GateAction::kRefuse);
}

TEST_F(RequestGateTest, UnlabelledBodiesAreReadAsJsonLikeLmStudioDoes) {
  // `curl -d '{...}'` without -H sends application/x-www-form-urlencoded; scripts send none.
  for (std::string_view type : {"", "application/x-www-form-urlencoded", "text/plain"}) {
    EXPECT_EQ(check(head(http::verb::post, "/v1/chat/completions", type), open_policy()).action,
              GateAction::kAdmit)
        << type;
  }
}

TEST_F(RequestGateTest, UnlabelledBodiesFromAForeignPageAre415) {
  // A browser posts these types cross-site without a preflight: not from an origin CORS refuses.
  auto form = head(http::verb::post, "/v1/chat/completions", "application/x-www-form-urlencoded");
  form.set(http::field::origin, "https://evil.example");
  const GateDecision d = check(form, open_policy());
  EXPECT_EQ(d.error.kind, ErrorKind::kUnsupportedMediaType);
  EXPECT_EQ(d.error.message,
            "Content-Type \"application/x-www-form-urlencoded\" from a page of another origin "
            "(https://evil.example) is not accepted: send application/json.");
  // An origin CORS allows is the operator's own page.
  auto allowed = with_key(head(http::verb::post, "/v1/chat/completions", "text/plain"));
  allowed.set(http::field::origin, kOrigin);
  EXPECT_EQ(check(allowed, guarded_policy()).action, GateAction::kAdmit);
  // JSON itself is unaffected by Origin (a cross-site JSON POST needs a preflight first).
  auto json = chat_post();
  json.set(http::field::origin, "https://evil.example");
  EXPECT_EQ(check(json, open_policy()).action, GateAction::kAdmit);
}

TEST_F(RequestGateTest, AdmitAndRouteDoNotAllocate) {
  const ClientHeader admitted = with_key(chat_post());
  const ClientHeader unknown = with_key(head(http::verb::get, "/nothing"));
  const RouteMatch admitted_match = match_route(admitted.method(), admitted.target());
  const RouteMatch unknown_match = match_route(unknown.method(), unknown.target());
  const GatePolicy policy = guarded_policy();
  g_allocations = 0;
  g_counting = true;
  const GateDecision a = check_request_head(admitted, {}, admitted_match, policy);
  const GateDecision r = check_request_head(unknown, {}, unknown_match, policy);
  g_counting = false;
  EXPECT_EQ(a.action, GateAction::kAdmit);
  EXPECT_EQ(r.action, GateAction::kRoute);
  EXPECT_EQ(g_allocations, 0);
}

TEST(RequestGate, ReadErrorsOfTheRequestAreNotEndsOfTheConnection) {
  EXPECT_TRUE(is_request_error(http::error::header_limit));
  EXPECT_TRUE(is_request_error(http::error::body_limit));
  EXPECT_TRUE(is_request_error(http::error::bad_method));
  EXPECT_FALSE(is_request_error(http::error::end_of_stream));
  EXPECT_FALSE(is_request_error(http::error::partial_message));
  EXPECT_FALSE(is_request_error(boost::asio::error::operation_aborted));
  EXPECT_FALSE(is_request_error(boost::asio::error::connection_reset));
}

TEST(RequestGate, BodyTypes) {
  EXPECT_EQ(classify_body_type("application/json"), BodyType::kJson);
  EXPECT_EQ(classify_body_type("Application/JSON; charset=utf-8"), BodyType::kJson);
  EXPECT_EQ(classify_body_type("application/vnd.api+json"), BodyType::kJson);
  EXPECT_EQ(classify_body_type(""), BodyType::kUnlabelled);
  EXPECT_EQ(classify_body_type(" application/x-www-form-urlencoded "), BodyType::kUnlabelled);
  EXPECT_EQ(classify_body_type("text/plain;charset=UTF-8"), BodyType::kUnlabelled);
  EXPECT_EQ(classify_body_type("application/jsonx"), BodyType::kNotJson);
  EXPECT_EQ(classify_body_type("+json"), BodyType::kNotJson);
  EXPECT_EQ(classify_body_type("multipart/form-data"), BodyType::kNotJson);
  EXPECT_EQ(classify_body_type("text/html"), BodyType::kNotJson);
}

}  // namespace
}  // namespace roci::server
