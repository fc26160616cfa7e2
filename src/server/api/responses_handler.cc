// POST /v1/responses (the Responses dialect of the one inference pipeline) and GET / DELETE
// /v1/responses/{id} (the response store).
//
// The dialect: openai_wire's Responses codec parses the body; `previous_response_id` prepends the
// stored conversation (unknown or expired: 404); `instructions` lead as a system message (they do
// not carry over to a continued response, as OpenAI does it). No generation defaults: the
// upstream's own, unless the request says otherwise. A complete answer is the response object; a
// streamed one the Responses events (response.created ... response.completed / .incomplete), a
// failure after the headers response.failed. With `store` (default true) the answer is stored
// before its last byte is sent, so a client may continue it at once.
#include "config/gateway_config.h"
#include "openai_wire/downstream_responses.h"
#include "server/api/dialect.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/api/inference_pipeline.h"
#include "server/api/response_store.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace roci::server {
namespace {

Error unknown_response(std::string_view id, std::string_view param) {
  return Error{.kind = ErrorKind::kNotFound,
               .message = "No response with id '" + std::string(id) +
                          "' is stored (responses are kept for responses.store_ttl_secs, at most "
                          "responses.store_max_entries of them).",
               .param = std::string(param),
               .code = "response_not_found"};
}

void store_answer(ResponseStore* store, const openai_wire::ResponseHead& head, std::string body,
                  std::vector<ModelMessage> turns,
                  const std::vector<openai_wire::ResponseOutputItem>& output) {
  if (store == nullptr) return;
  for (auto& m : openai_wire::output_messages(output)) turns.push_back(std::move(m));
  store->put(
      StoredResponse{.id = head.id, .body = std::move(body), .conversation = std::move(turns)});
}

class ResponsesStreamEncoder final : public StreamEncoder {
 public:
  ResponsesStreamEncoder(openai_wire::ResponseHead head, ResponseStore* store,
                         std::vector<ModelMessage> turns)
      : events_(std::move(head)), store_(store), turns_(std::move(turns)) {}

  std::string open() override { return events_.open(); }
  std::string encode(const StreamPart& part) override { return events_.encode(part); }
  void finish_into(const Finish& finish, std::string& out) override {
    out += events_.finish(finish);
    store_answer(store_, events_.head(), events_.final_response(), std::move(turns_),
                 events_.output());
  }
  std::string error(const Error& e, const HttpError& h) override {
    return events_.fail(h.code, e.message);
  }

 private:
  openai_wire::ResponsesEventEncoder events_;
  ResponseStore* store_;  // null: not stored
  std::vector<ModelMessage> turns_;
};

class ResponsesDialect final : public Dialect {
 public:
  explicit ResponsesDialect(ResponseStore* store) : store_(store) {}

  std::optional<Error> parse(std::string_view body, const openai_wire::RequestLimits& limits,
                             DialectRequest& out) override {
    auto parsed = openai_wire::parse_responses_request(body, limits);
    if (!parsed) return std::move(parsed.error());
    std::vector<ModelMessage> turns;
    if (!parsed->previous_response_id.empty()) {
      auto previous = store_ ? store_->get(parsed->previous_response_id) : nullptr;
      if (!previous) return unknown_response(parsed->previous_response_id, "previous_response_id");
      turns = previous->conversation;
    }
    for (auto& m : parsed->request.messages) turns.push_back(std::move(m));
    if (turns.size() > limits.max_messages) {
      return Error::invalid_request("the conversation holds " + std::to_string(turns.size()) +
                                        " turns; at most " + std::to_string(limits.max_messages) +
                                        " are accepted (limits.max_messages)",
                                    "previous_response_id");
    }
    std::vector<ModelMessage>& messages = parsed->request.messages;
    messages.clear();
    messages.reserve(turns.size() + 1);
    if (parsed->instructions) messages.push_back(ModelMessage::system(*parsed->instructions));
    messages.insert(messages.end(), turns.begin(), turns.end());
    if (parsed->store) turns_ = std::move(turns);
    store_on_ = parsed->store && store_ != nullptr;
    echo_ = std::move(parsed->echo);
    out.request = std::move(parsed->request);
    out.stream = parsed->stream;
    return std::nullopt;
  }

  std::string render(GenerationResult& result, const AnswerMeta& meta) override {
    openai_wire::ResponseHead head = make_head(meta);
    const auto output = openai_wire::response_output(result);
    std::string body = openai_wire::encode_response(
        head, output, openai_wire::response_outcome(result.finish_reason), result.usage,
        unix_seconds());
    if (store_on_) store_answer(store_, head, body, std::move(turns_), output);
    return body;
  }

  std::unique_ptr<StreamEncoder> stream_encoder(const AnswerMeta& meta) override {
    return std::make_unique<ResponsesStreamEncoder>(make_head(meta), store_on_ ? store_ : nullptr,
                                                    std::move(turns_));
  }

 private:
  openai_wire::ResponseHead make_head(const AnswerMeta& meta) {
    return openai_wire::ResponseHead{.id = openai_wire::new_completion_id("resp_"),
                                     .model = std::string(meta.model),
                                     .created_at = meta.created,
                                     .echo = std::move(echo_)};
  }

  ResponseStore* store_;
  bool store_on_ = false;
  std::vector<ModelMessage> turns_;  // to store with the answer
  std::string echo_;
};

}  // namespace

asio::awaitable<void> handle_responses(RequestContext& ctx) {
  return serve_inference(ctx, std::make_unique<ResponsesDialect>(ctx.worker.responses));
}

asio::awaitable<void> handle_stored_response(RequestContext& ctx, std::string id) {
  ResponseStore* store = ctx.worker.responses;
  if (ctx.request.method() == http::verb::delete_) {
    if (store == nullptr || !store->erase(id)) {
      co_return co_await fail(ctx, unknown_response(id, ""));
    }
    auto sent =
        co_await ctx.writer.send(200, "application/json", openai_wire::encode_response_deleted(id));
    if (!sent) co_await fail(ctx, sent.error());
    co_return;
  }
  auto stored = store != nullptr ? store->get(id) : nullptr;
  if (!stored) co_return co_await fail(ctx, unknown_response(id, ""));
  auto sent = co_await ctx.writer.send(200, "application/json", stored->body);
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace roci::server
