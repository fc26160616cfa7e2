#include "server/api/http_error.h"

#include "openai_wire/downstream_codec.h"
#include "server/api/dialect.h"

#include <string>
#include <utility>

namespace roci::server {
namespace {

std::string or_default(const std::string& code, const char* fallback) {
  return code.empty() ? std::string(fallback) : code;
}

std::string openai_body(const Error& e, const HttpError& /*h*/) { return error_body(e); }

std::string openai_event(const Error& e, const HttpError& h) {
  return openai_wire::encode_sse_error(e.message, h.type, h.code);
}

}  // namespace

HttpError to_http_error(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kInvalidRequest:
      return {400, "invalid_request_error", e.code};
    case ErrorKind::kUnauthenticated:
      // As OpenAI: a wrong key is invalid_api_key; a missing one has a null code.
      if (e.code == kMissingApiKeyCode) return {401, "invalid_request_error", ""};
      return {401, "invalid_request_error", or_default(e.code, "invalid_api_key")};
    case ErrorKind::kPermissionDenied:
      return {403, "invalid_request_error", or_default(e.code, "permission_denied")};
    case ErrorKind::kModelNotFound:
      return {404, "invalid_request_error", "model_not_found"};
    case ErrorKind::kNotFound:
      return {404, "invalid_request_error", or_default(e.code, "not_found")};
    case ErrorKind::kMethodNotAllowed:
      return {405, "invalid_request_error", "method_not_allowed"};
    case ErrorKind::kPayloadTooLarge:
      return {413, "invalid_request_error", or_default(e.code, "payload_too_large")};
    case ErrorKind::kUnsupportedMediaType:
      return {415, "invalid_request_error", "unsupported_media_type"};
    case ErrorKind::kHeadersTooLarge:  // RFC 6585
      return {431, "invalid_request_error", "headers_too_large"};
    case ErrorKind::kRateLimited:
      return {429, "rate_limit_error", or_default(e.code, "rate_limit_exceeded")};
    case ErrorKind::kQueueFull:
      return {429, "rate_limit_error", "queue_full"};
    case ErrorKind::kTooManyConnections:
      return {503, "api_error", "too_many_connections"};
    case ErrorKind::kUnsupported:
      return {400, "invalid_request_error", "unsupported"};
    case ErrorKind::kUpstreamError: {
      const bool upstream_5xx = e.upstream_status && *e.upstream_status >= 500;
      return {upstream_5xx ? 500 : 502, "api_error", or_default(e.code, "upstream_error")};
    }
    case ErrorKind::kUpstreamUnreachable:
      return {502, "api_error", "upstream_unreachable"};
    case ErrorKind::kTimeout:
      return {504, "api_error", or_default(e.code, "timeout")};
    case ErrorKind::kCancelled:
      return {499, "api_error", "cancelled"};  // logged only: the client is gone
    case ErrorKind::kInternal:
      return {500, "api_error", or_default(e.code, "internal_error")};
  }
  return {500, "api_error", "internal_error"};
}

std::string error_body(const Error& e) {
  const HttpError h = to_http_error(e);
  static const std::vector<std::string> kNone;
  return openai_wire::encode_error_body(
      e.message, h.type, e.param, h.code,
      e.kind == ErrorKind::kModelNotFound ? e.available_models : kNone);
}

const ErrorRenderer kOpenAiErrors{.body = openai_body, .event = openai_event};

const ErrorRenderer& error_renderer(const RequestContext& ctx) {
  return ctx.errors != nullptr ? *ctx.errors : kOpenAiErrors;
}

asio::awaitable<void> send_error(RequestContext& ctx, const Error& e, StreamEncoder* stream) {
  const HttpError h = to_http_error(e);
  ctx.log.error_kind = e.kind;
  ctx.log.error_message = e.message;
  if (e.kind == ErrorKind::kCancelled) {
    ctx.log.status = 499;
    co_return;
  }
  if (ctx.writer.headers_sent()) {
    // Mid-stream: the status line is gone; the client gets an SSE error event and the stream ends
    // without its success terminator (ARCHITECTURE.md §4.3).
    const std::string event =
        stream != nullptr ? stream->error(e, h) : error_renderer(ctx).event(e, h);
    auto sent = co_await ctx.writer.send_event(event);
    if (sent) (void)co_await ctx.writer.end_event_stream();
    co_return;
  }
  Headers extra;
  if (h.status == 429 && (e.retry_after_secs || e.kind == ErrorKind::kQueueFull)) {
    extra.emplace_back("Retry-After", std::to_string(e.retry_after_secs.value_or(1)));
  }
  if (h.status == 401) extra.emplace_back("WWW-Authenticate", "Bearer");  // RFC 6750
  if (!e.backend.empty()) {  // a host's answer says who gave it; the gateway's own errors do not
    ctx.log.backend = e.backend;
    extra.emplace_back(kBackendHeader, e.backend);
  }
  auto sent = co_await ctx.writer.send(h.status, "application/json", error_renderer(ctx).body(e, h),
                                       std::move(extra));
  ctx.log.status = sent ? h.status : 499;
}

}  // namespace roci::server
