// ClientBody (declared in roci/core/types.h): a Chat Completions body as the client sent it, kept
// beside the typed ProviderRequest so that encode_chat_request can forward the client's own bytes
// with a few edits (the model, stream, stream_options, defaults) instead of re-encoding every
// field.
//
//   auto parsed = parse_chat_request(body, limits);            // the common shape sets client_body
//   keep_client_body(parsed->request, std::move(body));        // its text: the bytes just parsed
//   ...                                                        // defaults, model rewrite
//   std::string upstream = encode_chat_request(std::move(parsed->request), stream, dialect);
//
// Only the request fast path (request_fast_path.cc) sets it, and only for bodies whose every member
// the upstream encoder would forward with the same meaning (no nulls, no renamed or normalised
// fields, integers written as integers: see request_fast_path.h). The splice (upstream_splice.cc)
// is used only while the typed request still says what the body says: it compares the fields the
// parse recorded here with the request's, and re-encodes from the typed fields when any differs,
// when the body's text is missing, or when the upstream dialect would rewrite something the body
// holds (LM Studio's developer role).
#pragma once

#include <roci/core/types.h>

#include "openai_wire/upstream_codec.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roci {

struct ClientBody {
  // [begin, end) of a member's value in `text`; absent when end == 0.
  struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool present() const { return end != 0; }
  };

  std::string text;           // the body; empty until keep_client_body gave it
  std::size_t text_size = 0;  // the size of the body that was parsed
  Span model;
  Span stream;
  Span stream_options;
  std::size_t close = 0;  // offset of the top-level object's '}'
  bool has_developer = false;

  // What the parse put into the typed request, compared again before the body is forwarded.
  std::uint64_t messages_digest = 0;  // messages_digest() of the parsed messages
  std::size_t extras = 0;             // settings.extra.size() (only `n`)
  std::size_t stops = 0;              // stop_sequences->size()
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> top_k;
  std::optional<double> frequency_penalty;
  std::optional<double> presence_penalty;
  std::optional<std::int64_t> seed;
  std::optional<ToolChoice::Mode> tool_choice;  // the string forms only
  std::optional<bool> parallel_tool_calls;
  bool has_user = false;  // session_id
};

namespace openai_wire {

// Count, roles and the sizes of every message's strings, mixed: cheap, and different after any
// edit a caller could make to the conversation short of replacing a string by one of equal size.
std::uint64_t messages_digest(const std::vector<ModelMessage>& messages);

// Gives request.client_body (when the parse set one) its text: `body` must be the bytes that
// parse_chat_request parsed into `request`. Without it the request is encoded from its fields.
void keep_client_body(ProviderRequest& request, std::string&& body);

namespace detail {
// True when the upstream body for `request` may be request.client_body->text with splice_body's
// edits (see the file comment).
bool can_splice(const ProviderRequest& request, bool stream, const UpstreamDialect& dialect);
// Edits `text` (a copy of, or the moved, client body) into the upstream body: the model value
// replaced by request.model, stream set, stream_options {"include_usage":true} for streams, and
// the typed settings the body lacked (the gateway's defaults) appended. Requires can_splice.
void splice_body(std::string& text, const ProviderRequest& request, bool stream);
}  // namespace detail

}  // namespace openai_wire
}  // namespace roci
