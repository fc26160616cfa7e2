// POST /v1/messages and POST /v1/messages/count_tokens: the Anthropic Messages dialect.
//
// Messages runs the one inference pipeline (inference_pipeline.h) with a Dialect that parses and
// renders through anthropic_wire: no chat defaults (max_tokens is required; temperature is the
// upstream's), ids `msg_...` of our own, the stream as Anthropic's typed events, and every error
// of these routes (the gate's included: the route's ErrorRenderer) in Anthropic's envelope with
// the status to_http_error chose.
//
// count_tokens asks the provider's tokenizer (Provider::count_tokens: llama.cpp's /apply-template
// + /tokenize) and, where the provider has none (kUnsupported), answers the documented estimate
// (token_estimate.h). It resolves the model (an unknown one is 404) but takes no admission slot
// and never asks for a completion.
#include "anthropic_wire/messages_codec.h"
#include "config/gateway_config.h"
#include "server/api/anthropic_errors.h"
#include "server/api/dialect.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/api/inference_pipeline.h"
#include "server/api/token_estimate.h"
#include "server/routing/model_resolver.h"

#include <memory>
#include <utility>

namespace roci::server {
namespace {

std::string anthropic_error_body(const Error& e, const HttpError& h) {
  return anthropic_wire::encode_error_body(anthropic_wire::error_type(h.status), e.message);
}

std::string anthropic_error_event(const Error& e, const HttpError& h) {
  return anthropic_wire::encode_error_event(anthropic_wire::error_type(h.status), e.message);
}

class MessagesStreamEncoder final : public StreamEncoder {
 public:
  MessagesStreamEncoder(std::string model, anthropic_wire::MessageOptions options)
      : encoder_(anthropic_wire::new_message_id(), std::move(model), std::move(options)) {}
  std::string open() override { return encoder_.begin(); }
  std::string encode(const StreamPart& part) override { return encoder_.encode(part); }
  void finish_into(const Finish& finish, std::string& out) override {
    out += encoder_.encode(StreamPart(finish));  // message_delta + message_stop
  }
  std::string error(const Error& e, const HttpError& h) override {
    return anthropic_error_event(e, h);
  }

 private:
  anthropic_wire::MessageStreamEncoder encoder_;
};

// The request's options (thinking, stop sequences) are kept from parse() for the rendering.
class MessagesDialect final : public Dialect {
 public:
  std::optional<Error> parse(std::string_view body, const openai_wire::RequestLimits& limits,
                             DialectRequest& out) override {
    auto parsed = anthropic_wire::parse_messages_request(body, limits);
    if (!parsed) return std::move(parsed.error());
    options_ = std::move(parsed->options);
    out.request = std::move(parsed->request);
    out.stream = parsed->stream;
    return std::nullopt;
  }
  std::string render(GenerationResult& result, const AnswerMeta& meta) override {
    return anthropic_wire::encode_message(result, anthropic_wire::new_message_id(), meta.model,
                                          options_);
  }
  std::unique_ptr<StreamEncoder> stream_encoder(const AnswerMeta& meta) override {
    return std::make_unique<MessagesStreamEncoder>(std::string(meta.model), options_);
  }

 private:
  anthropic_wire::MessageOptions options_;
};

}  // namespace

const ErrorRenderer kAnthropicErrors{&anthropic_error_body, &anthropic_error_event};

asio::awaitable<void> handle_messages(RequestContext& ctx) {
  return serve_inference(ctx, std::make_unique<MessagesDialect>());
}

asio::awaitable<void> handle_count_tokens(RequestContext& ctx) {
  const auto& config = ctx.worker.config;
  auto parsed =
      anthropic_wire::parse_count_tokens_request(ctx.request.body(), request_limits(config.limits));
  std::string().swap(ctx.request.body());
  if (!parsed) co_return co_await fail(ctx, parsed.error());
  auto resolved =
      co_await resolve_model(std::move(parsed->request.model), ModelPurpose::kChat,
                             config.inference, ctx.worker.providers, ctx.worker.catalog);
  if (!resolved) co_return co_await fail(ctx, resolved.error());
  ctx.log.upstream_wait += resolved->upstream_wait;
  ctx.log.model = resolved->model;
  ctx.log.model_listed = resolved->catalog != nullptr;
  ctx.log.backend = resolved->provider->name();
  ProviderRequest& request = parsed->request;
  request.model = resolved->request_model();
  const int estimate = estimate_prompt_tokens(request);
  UpstreamTimer timer(ctx.log);
  auto counted = co_await resolved->provider->count_tokens(std::move(request));
  timer.stop();
  if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
    co_return co_await fail_cancelled(ctx);
  }
  if (!counted && counted.error().kind != ErrorKind::kUnsupported) {
    co_return co_await fail_upstream(ctx, *resolved, counted.error());
  }
  const int tokens = counted ? *counted : estimate;
  ctx.log.usage = Usage{tokens, 0, tokens};
  auto sent = co_await ctx.writer.send(200, "application/json",
                                       anthropic_wire::encode_count_tokens(tokens));
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace roci::server
