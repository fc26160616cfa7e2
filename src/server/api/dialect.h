// The dialect seam: one inference pipeline (inference_pipeline.h), several wire dialects at the
// edge (Chat Completions, Responses, Messages). A dialect only parses and renders; the pipeline
// does everything else the same way for each (ARCHITECTURE.md §5.2, "Add an API dialect").
//
//   class ChatDialect final : public Dialect { ... };        // parse, defaults, render, stream
//   asio::awaitable<void> handle_chat_completions(RequestContext& ctx) {
//     return serve_inference(ctx, std::make_unique<ChatDialect>());
//   }
//
// A Dialect object lives for one request (it may keep what rendering needs from the parse, e.g.
// Chat Completions' stream_options.include_usage). Its methods do no I/O and never pick a status:
// errors are Error values whose status comes from to_http_error (§3); only their bodies and events
// are the dialect's (ErrorRenderer, http_error.h).
#pragma once

#include "openai_wire/downstream_codec.h"
#include "server/api/http_error.h"

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roci::config {
struct InferenceSection;
}

namespace roci::server {

// What a dialect's parser gives the pipeline.
struct DialectRequest {
  ProviderRequest request;  // request.model is the client's `model` as sent ("" if absent)
  bool stream = false;
};

// What the upstream said about the answer, for the rendering. `id` is the upstream's id, "" when
// it gave none (a dialect with ids of its own ignores it); `model` is the served model (the
// resolved id when the upstream did not say); `created` unix seconds.
struct AnswerMeta {
  std::string_view id;
  std::string_view model;
  std::int64_t created = 0;
};

// Encodes one answer's stream (§4) into complete SSE events. Used by one request, in order:
// open(), encode() per part, then finish() or error().
class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // Events that open the stream before any part (Responses: response.created ...). Queued with
  // the headers. "" for none.
  virtual std::string open() { return {}; }
  // One part (TextDelta, ReasoningDelta, ToolCallDelta; never Finish): its events, "" for none.
  virtual std::string encode(const StreamPart& part) = 0;
  // The same events, appended to `out` (the pipeline batches the events of parts that arrived
  // together in one buffer). Override when the dialect can write in place.
  virtual void encode_into(const StreamPart& part, std::string& out) { out += encode(part); }
  // The successful end: the dialect's closing events and its terminator ([DONE],
  // response.completed, message_stop), appended to `out` (the events batched before them).
  virtual void finish_into(const Finish& finish, std::string& out) = 0;
  // A failure after the headers (§4.3): the dialect's error event; no success terminator follows.
  virtual std::string error(const Error& e, const HttpError& h) = 0;
};

class Dialect {
 public:
  virtual ~Dialect() = default;
  // Parses and validates a request body (strict, within `limits`) into `out`, which is then
  // unspecified if it fails. The error: kInvalidRequest naming the field, or any Error the
  // dialect's own state gives (an unknown previous response).
  virtual std::optional<Error> parse(std::string_view body,
                                     const openai_wire::RequestLimits& limits,
                                     DialectRequest& out) = 0;
  // Defaults for settings the client left out. None by default: the upstream's own defaults.
  virtual void apply_defaults(GenerationSettings& /*settings*/,
                              const config::InferenceSection& /*inference*/) {}
  // The body of a complete (non-streamed) answer, application/json. May take (move out)
  // result.wire_answer when it is the body the dialect would write.
  virtual std::string render(GenerationResult& result, const AnswerMeta& meta) = 0;
  // The encoder of a streamed answer, once the upstream's first event arrived.
  virtual std::unique_ptr<StreamEncoder> stream_encoder(const AnswerMeta& meta) = 0;
};

}  // namespace roci::server
