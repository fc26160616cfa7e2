#include "server/api/http_error.h"

#include "config/gateway_config.h"
#include "server/http/request_context.h"
#include "server/observability/metrics.h"
#include "server/routing/admission_queue.h"
#include "server/routing/model_catalog.h"
#include "server/routing/provider_set.h"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <optional>
#include <string>
#include <vector>

namespace roci::server {
namespace {

struct Case {
  ErrorKind kind;
  int status;
  const char* type;
  const char* code;
};

TEST(ToHttpError, EveryKindHasItsStatusTypeAndCode) {
  const Case cases[] = {
      {ErrorKind::kInvalidRequest, 400, "invalid_request_error", ""},
      {ErrorKind::kUnauthenticated, 401, "invalid_request_error", "invalid_api_key"},
      {ErrorKind::kPermissionDenied, 403, "invalid_request_error", "permission_denied"},
      {ErrorKind::kModelNotFound, 404, "invalid_request_error", "model_not_found"},
      {ErrorKind::kNotFound, 404, "invalid_request_error", "not_found"},
      {ErrorKind::kMethodNotAllowed, 405, "invalid_request_error", "method_not_allowed"},
      {ErrorKind::kPayloadTooLarge, 413, "invalid_request_error", "payload_too_large"},
      {ErrorKind::kUnsupportedMediaType, 415, "invalid_request_error", "unsupported_media_type"},
      {ErrorKind::kHeadersTooLarge, 431, "invalid_request_error", "headers_too_large"},
      {ErrorKind::kRateLimited, 429, "rate_limit_error", "rate_limit_exceeded"},
      {ErrorKind::kQueueFull, 429, "rate_limit_error", "queue_full"},
      {ErrorKind::kTooManyConnections, 503, "api_error", "too_many_connections"},
      {ErrorKind::kUnsupported, 400, "invalid_request_error", "unsupported"},
      {ErrorKind::kUpstreamError, 502, "api_error", "upstream_error"},
      {ErrorKind::kUpstreamUnreachable, 502, "api_error", "upstream_unreachable"},
      {ErrorKind::kTimeout, 504, "api_error", "timeout"},
      {ErrorKind::kCancelled, 499, "api_error", "cancelled"},
      {ErrorKind::kInternal, 500, "api_error", "internal_error"},
  };
  EXPECT_EQ(std::size(cases), static_cast<std::size_t>(ErrorKind::kInternal) + 1);
  for (const Case& c : cases) {
    const HttpError h = to_http_error(Error{.kind = c.kind, .message = "m"});
    EXPECT_EQ(h.status, c.status) << to_string(c.kind);
    EXPECT_EQ(h.type, c.type) << to_string(c.kind);
    EXPECT_EQ(h.code, c.code) << to_string(c.kind);
  }
}

TEST(ToHttpError, MissingApiKeyHasANullCodeAsOpenAi) {
  Error missing{.kind = ErrorKind::kUnauthenticated, .code = std::string(kMissingApiKeyCode)};
  EXPECT_EQ(to_http_error(missing).status, 401);
  EXPECT_EQ(to_http_error(missing).code, "");
  auto v = boost::json::parse(error_body(missing));
  EXPECT_TRUE(v.at("error").at("code").is_null());
  EXPECT_EQ(v.at("error").at("type").as_string(), "invalid_request_error");
}

TEST(ToHttpError, UpstreamStatusPicks500Or502) {
  EXPECT_EQ(to_http_error(Error::upstream("x", 503)).status, 500);
  EXPECT_EQ(to_http_error(Error::upstream("x", 500)).status, 500);
  EXPECT_EQ(to_http_error(Error::upstream("x", 400)).status, 502);
  EXPECT_EQ(to_http_error(Error::upstream("x")).status, 502);
}

TEST(ToHttpError, CodesThatRefineTheStatus) {
  EXPECT_EQ(to_http_error(Error::timeout("x", "first_byte_timeout")).code, "first_byte_timeout");
  EXPECT_EQ(to_http_error(Error::timeout("x", "first_byte_timeout")).status, 504);
  Error param = Error::invalid_request("bad", "temperature");
  param.code = "invalid_value";
  EXPECT_EQ(to_http_error(param).code, "invalid_value");
}

// 431 and 503 come from their own kinds: a `code` string never changes the status.
TEST(ToHttpError, CodeStringsDoNotPickTheStatus) {
  Error headers{.kind = ErrorKind::kPayloadTooLarge, .code = "headers_too_large"};
  EXPECT_EQ(to_http_error(headers).status, 413);
  Error conns{.kind = ErrorKind::kQueueFull, .code = "too_many_connections"};
  EXPECT_EQ(to_http_error(conns).status, 429);
}

TEST(ErrorBody, IsTheOpenAiEnvelopeWithAvailableModels) {
  auto e = Error::model_not_found("no such model", {"a", "b/c"});
  auto v = boost::json::parse(error_body(e));
  const auto& err = v.at("error").as_object();
  EXPECT_EQ(err.at("message").as_string(), "no such model");
  EXPECT_EQ(err.at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(err.at("code").as_string(), "model_not_found");
  ASSERT_TRUE(err.contains("available_models"));
  EXPECT_EQ(err.at("available_models").as_array().size(), 2u);

  auto p = boost::json::parse(error_body(Error::invalid_request("bad", "temperature")));
  EXPECT_EQ(p.at("error").at("param").as_string(), "temperature");
  EXPECT_TRUE(p.at("error").at("code").is_null());
}

// Records what send_error writes.
class RecordingWriter final : public ResponseWriter {
 public:
  int status = 0;
  std::string body;
  Headers headers;
  std::vector<std::string> events;
  bool streaming = false;
  bool ended = false;

  asio::awaitable<Result<void>> send(int s, std::string_view, std::string b, Headers h) override {
    status = s;
    body = std::move(b);
    headers = std::move(h);
    co_return Result<void>{};
  }
  std::optional<Result<void>> send_now(int s, std::string_view, std::string b,
                                       const Headers& h) override {
    status = s;
    body = std::move(b);
    headers = h;
    return Result<void>{};
  }
  asio::awaitable<Result<void>> start_event_stream(Headers) override {
    streaming = true;
    co_return Result<void>{};
  }
  asio::awaitable<Result<void>> send_event(std::string_view e) override {
    events.emplace_back(e);
    co_return Result<void>{};
  }
  std::optional<Result<void>> send_event_now(std::string_view e) override {
    events.emplace_back(e);
    return Result<void>{};
  }
  asio::awaitable<Result<void>> end_event_stream() override {
    ended = true;
    co_return Result<void>{};
  }
  bool headers_sent() const override { return streaming || status != 0; }
};

struct SendErrorHarness {
  config::GatewayConfig config;
  ProviderSet providers{ProviderSet::create(config).value()};
  MetricsShard metrics;
  AdmissionQueue admission{AdmissionQueue::Options{}};
  ModelCatalog catalog;
  WorkerContext worker{config, providers, metrics, admission, catalog};
  ClientRequest request;
  RecordingWriter writer;
  RequestLog log;
  RequestContext ctx{request, writer, log, worker};

  void run(const Error& e) {
    asio::io_context ioc;
    auto f = asio::co_spawn(ioc, send_error(ctx, e), asio::use_future);
    ioc.run();
    f.get();
  }
};

TEST(SendError, QueueFullGetsRetryAfter) {
  SendErrorHarness h;
  Error e{.kind = ErrorKind::kQueueFull, .message = "busy", .retry_after_secs = 3};
  h.run(e);
  EXPECT_EQ(h.writer.status, 429);
  ASSERT_EQ(h.writer.headers.size(), 1u);
  EXPECT_EQ(h.writer.headers[0].first, "Retry-After");
  EXPECT_EQ(h.writer.headers[0].second, "3");
  EXPECT_EQ(h.log.status, 429);
  EXPECT_EQ(h.log.error_kind, ErrorKind::kQueueFull);
  EXPECT_EQ(h.log.error_message, "busy");
}

TEST(SendError, TooManyConnectionsIs503WithoutRetryAfter) {
  SendErrorHarness h;
  h.run(Error{.kind = ErrorKind::kTooManyConnections, .message = "full"});
  EXPECT_EQ(h.writer.status, 503);
  EXPECT_TRUE(h.writer.headers.empty());
  auto v = boost::json::parse(h.writer.body);
  EXPECT_EQ(v.at("error").at("type").as_string(), "api_error");
  EXPECT_EQ(v.at("error").at("code").as_string(), "too_many_connections");
  EXPECT_EQ(h.log.error_kind, ErrorKind::kTooManyConnections);
}

TEST(SendError, UnauthenticatedGetsWwwAuthenticateBearer) {
  SendErrorHarness h;
  h.run(Error{.kind = ErrorKind::kUnauthenticated, .message = "no", .code = "invalid_api_key"});
  EXPECT_EQ(h.writer.status, 401);
  ASSERT_EQ(h.writer.headers.size(), 1u);
  EXPECT_EQ(h.writer.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(h.writer.headers[0].second, "Bearer");
  EXPECT_EQ(h.log.error_kind, ErrorKind::kUnauthenticated);
}

TEST(SendError, AfterHeadersItIsAnSseErrorEvent) {
  SendErrorHarness h;
  h.writer.streaming = true;
  h.run(Error::upstream("engine died", 500));
  ASSERT_EQ(h.writer.events.size(), 1u);
  EXPECT_TRUE(h.writer.events[0].starts_with("data: {\"error\""));
  EXPECT_NE(h.writer.events[0].find("engine died"), std::string::npos);
  EXPECT_TRUE(h.writer.ended);
  EXPECT_EQ(h.writer.status, 0);
}

// The dialect seam: the route's ErrorRenderer writes the body and the mid-stream event; the status
// and its fields stay to_http_error's.
std::string shouted_body(const Error& e, const HttpError& h) {
  return "{\"shout\":\"" + h.type + ":" + e.message + "\"}";
}
std::string shouted_event(const Error& e, const HttpError& h) {
  return "event: shout\ndata: " + shouted_body(e, h) + "\n\n";
}
const ErrorRenderer kShouted{.body = shouted_body, .event = shouted_event};

TEST(SendError, TheDialectsRendererWritesTheBodyWithTheMappedStatus) {
  SendErrorHarness h;
  h.ctx.errors = &kShouted;
  h.run(Error{.kind = ErrorKind::kQueueFull, .message = "busy"});
  EXPECT_EQ(h.writer.status, 429);
  EXPECT_EQ(h.writer.body, R"({"shout":"rate_limit_error:busy"})");
  ASSERT_EQ(h.writer.headers.size(), 1u);
  EXPECT_EQ(h.writer.headers[0].first, "Retry-After");
}

TEST(SendError, TheDialectsRendererWritesTheMidStreamEvent) {
  SendErrorHarness h;
  h.ctx.errors = &kShouted;
  h.writer.streaming = true;
  h.run(Error::upstream("engine died", 500));
  ASSERT_EQ(h.writer.events.size(), 1u);
  EXPECT_EQ(h.writer.events[0], "event: shout\ndata: {\"shout\":\"api_error:engine died\"}\n\n");
  EXPECT_TRUE(h.writer.ended);
}

TEST(SendError, CancelledWritesNothingAndLogs499) {
  SendErrorHarness h;
  h.run(Error::cancelled());
  EXPECT_EQ(h.writer.status, 0);
  EXPECT_EQ(h.log.status, 499);
}

}  // namespace
}  // namespace roci::server
