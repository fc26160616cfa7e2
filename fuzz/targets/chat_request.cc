// chat_request: the client request parsers and validators of downstream_codec.h.
//
// Invariants beyond "no crash, no leak, no exception":
//  - every rejection is kInvalidRequest (downstream_codec.h), and its 400 body is well-formed UTF-8
//  JSON;
//  - an accepted chat request re-encodes (encode_chat_request, both dialects) to valid UTF-8 JSON
//    that the parser accepts again with the same model and message count.
#include "openai_wire/downstream_codec.h"
#include "openai_wire/upstream_codec.h"
#include "targets.h"
#include "targets/check.h"

namespace roci::fuzz {
namespace {

using detail::as_view;
using detail::check_rejection;
using detail::is_json;
using detail::openai_error_body;

}  // namespace

void fuzz_chat_request(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = as_view(data, size);
  openai_wire::RequestLimits limits;
  // Small limits sometimes, so the limit paths are reached by small inputs too.
  if (size > 0 && (data[size - 1] & 0x7) == 0x7) {
    limits.max_depth = 4;
    limits.max_messages = 3;
    limits.max_string_bytes = 16;
    limits.max_tokens_ceiling = 100;
    limits.max_stop_sequences = 2;
    limits.max_tools = 2;
  }

  auto chat = openai_wire::parse_chat_request(body, limits);
  if (!chat) {
    check_rejection(chat.error(), "parse_chat_request", openai_error_body);
  } else {
    for (bool lmstudio : {false, true}) {
      const openai_wire::UpstreamDialect dialect{lmstudio, lmstudio};
      const std::string encoded =
          openai_wire::encode_chat_request(chat->request, chat->stream, dialect);
      FUZZ_CHECK(is_json(encoded, /*strict_utf8=*/true),
                 "encode_chat_request gave invalid JSON: " + encoded);
      if (!lmstudio) {
        // What we forward must be a request we would accept ourselves (limits: the defaults,
        // since encoding adds stream_options and may add one nesting level).
        auto again = openai_wire::parse_chat_request(encoded, openai_wire::RequestLimits{});
        FUZZ_CHECK(again.has_value(), "re-encoded chat request rejected: " +
                                          (again ? std::string() : again.error().message) +
                                          "\n  encoded: " + encoded);
        FUZZ_CHECK(again->request.model == chat->request.model, "model changed on re-encode");
        FUZZ_CHECK(again->request.messages.size() == chat->request.messages.size(),
                   "message count changed on re-encode");
      }
    }
  }

  auto embedding = openai_wire::parse_embedding_request(body, limits);
  if (!embedding) {
    check_rejection(embedding.error(), "parse_embedding_request", openai_error_body);
  } else {
    FUZZ_CHECK(is_json(openai_wire::encode_embedding_request(*embedding), true),
               "encode_embedding_request gave invalid JSON");
  }

  auto completion = openai_wire::parse_completion_request(body, limits);
  if (!completion) {
    check_rejection(completion.error(), "parse_completion_request", openai_error_body);
  } else {
    FUZZ_CHECK(is_json(openai_wire::encode_completion_request(*completion), true),
               "encode_completion_request gave invalid JSON");
  }
}

}  // namespace roci::fuzz
