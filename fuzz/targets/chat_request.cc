// chat_request: the client request parsers and validators of downstream_codec.h.
//
// Invariants beyond "no crash, no leak, no exception":
//  - every rejection is kInvalidRequest (downstream_codec.h), and its 400 body is well-formed UTF-8
//  JSON;
//  - an accepted chat request re-encodes (encode_chat_request, both dialects) to valid UTF-8 JSON
//    that the parser accepts again with the same model and message count;
//  - a body the fast path (request_fast_path.h) takes, the full parser accepts with the same
//    request; and the client body forwarded with edits (client_body.h) means what the typed
//    encoding means, with and without a model rewrite and defaults, both dialects, both stream
//    modes.
#include <boost/json/parse.hpp>
#include <optional>

#include "openai_wire/client_body.h"
#include "openai_wire/downstream_codec.h"
#include "openai_wire/request_fast_path.h"
#include "openai_wire/upstream_codec.h"
#include "targets.h"
#include "targets/check.h"

namespace roci::fuzz {
namespace {

using detail::as_view;
using detail::check_rejection;
using detail::is_json;
using detail::openai_error_body;

// Equal JSON meaning: the same members in any order, numbers equal as numbers (1 and 1.0).
bool same_json_meaning(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    if (a.get_object().size() != b.get_object().size()) return false;
    for (const auto& kv : a.get_object()) {
      const auto* other = b.get_object().if_contains(kv.key());
      if (other == nullptr || !same_json_meaning(kv.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.get_array().size() != b.get_array().size()) return false;
    for (std::size_t i = 0; i < a.get_array().size(); ++i) {
      if (!same_json_meaning(a.get_array()[i], b.get_array()[i])) return false;
    }
    return true;
  }
  return a == b;
}

void check_fast_path(std::string_view body, const openai_wire::RequestLimits& limits) {
  std::optional<openai_wire::ParsedChatRequest> fast(std::in_place);
  if (!openai_wire::detail::fast_parse_chat_request(body, limits, *fast)) return;
  auto full = openai_wire::detail::full_parse_chat_request(body, limits);
  FUZZ_CHECK(full.has_value(), "the fast path took a body the full parser rejects: " +
                                   (full ? std::string() : full.error().message));
  const ProviderRequest& a = fast->request;
  const ProviderRequest& b = full->request;
  FUZZ_CHECK(fast->stream == full->stream && fast->include_usage == full->include_usage,
             "fast path: stream flags differ");
  FUZZ_CHECK(a.model == b.model && a.messages == b.messages && a.settings == b.settings,
             "fast path: model, messages or settings differ");
  FUZZ_CHECK(a.tool_choice == b.tool_choice && a.parallel_tool_calls == b.parallel_tool_calls &&
                 a.session_id == b.session_id && !b.tools && !b.response_format,
             "fast path: tool_choice, parallel_tool_calls, user differ");
  for (int variant = 0; variant < 8; ++variant) {
    auto parsed = *fast;
    openai_wire::keep_client_body(parsed.request, std::string(body));
    ProviderRequest& req = parsed.request;
    if (variant & 1) req.model = "resolved \"model\"";
    if (variant & 2) {
      if (!req.settings.max_tokens) req.settings.max_tokens = 100;
      if (!req.settings.temperature) req.settings.temperature = 0.7;
    }
    const bool stream = (variant & 4) != 0;
    for (bool lmstudio : {false, true}) {
      const openai_wire::UpstreamDialect dialect{lmstudio, lmstudio};
      ProviderRequest typed = req;
      typed.client_body.reset();
      const std::string expected = openai_wire::encode_chat_request(typed, stream, dialect);
      const std::string spliced = openai_wire::encode_chat_request(req, stream, dialect);
      FUZZ_CHECK(is_json(spliced, /*strict_utf8=*/true), "spliced body is not JSON: " + spliced);
      FUZZ_CHECK(
          same_json_meaning(boost::json::parse(expected), boost::json::parse(spliced)),
          "spliced body means something else:\n  typed:   " + expected + "\n  spliced: " + spliced);
    }
  }
}

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

  check_fast_path(body, limits);
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
