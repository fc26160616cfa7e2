// POST /v1/chat/completions, streaming and not: the Chat Completions dialect of the one inference
// pipeline (inference_pipeline.h). Only this dialect gets the seed's generation defaults
// (inference.default_max_tokens 100, inference.default_temperature 0.7). Streamed: ChunkEncoder's
// chunks (the first with delta.role), the finish chunk with usage, the trailing `choices: []`
// usage chunk only when the client asked stream_options.include_usage, then [DONE]; a failure
// after the headers is `data: {"error":{...}}` and no [DONE] (ARCHITECTURE.md §4).
#include "openai_wire/downstream_codec.h"
#include "server/api/dialect.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/api/inference_pipeline.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace roci::server {
namespace {

class ChatStreamEncoder final : public StreamEncoder {
 public:
  // A new id is a temporary: the encoder copies it into its chunk head before it goes.
  ChatStreamEncoder(const AnswerMeta& meta, bool include_usage)
      : chunks_(meta.id.empty() ? std::string_view(openai_wire::new_completion_id()) : meta.id,
                meta.model, meta.created),
        include_usage_(include_usage) {}

  std::string encode(const StreamPart& part) override { return chunks_.encode(part); }
  void encode_into(const StreamPart& part, std::string& out) override {
    chunks_.encode_into(part, out);
  }

  void finish_into(const Finish& finish, std::string& out) override {
    chunks_.encode_into(StreamPart(finish), out);
    if (include_usage_ && finish.usage) chunks_.usage_chunk_into(*finish.usage, out);
    out += openai_wire::ChunkEncoder::done();
  }

  std::string error(const Error& e, const HttpError& h) override {
    return kOpenAiErrors.event(e, h);
  }

 private:
  openai_wire::ChunkEncoder chunks_;
  bool include_usage_;
};

class ChatDialect final : public Dialect {
 public:
  std::optional<Error> parse(std::string_view body, const openai_wire::RequestLimits& limits,
                             DialectRequest& out) override {
    return openai_wire::parse_chat_request_into(body, limits,
                                                {out.request, out.stream, include_usage_});
  }

  void apply_defaults(GenerationSettings& settings,
                      const config::InferenceSection& inference) override {
    apply_generation_defaults(settings, inference);
  }

  std::string render(GenerationResult& result, const AnswerMeta& meta) override {
    // The upstream's own bytes when they say what the encoder would write (GenerationResult::
    // wire_answer) for the same id, model and created.
    if (!result.wire_answer.empty() && meta.id == result.id && meta.model == result.model &&
        meta.created == result.created) {
      return std::move(result.wire_answer);
    }
    const std::string id =
        meta.id.empty() ? openai_wire::new_completion_id() : std::string(meta.id);
    return openai_wire::encode_chat_completion(result, id, meta.model, meta.created);
  }

  std::unique_ptr<StreamEncoder> stream_encoder(const AnswerMeta& meta) override {
    return std::make_unique<ChatStreamEncoder>(meta, include_usage_);
  }

 private:
  bool include_usage_ = false;  // stream_options.include_usage
};

}  // namespace

asio::awaitable<void> handle_chat_completions(RequestContext& ctx) {
  return serve_inference(ctx, std::make_unique<ChatDialect>());
}

}  // namespace roci::server
