// The fast path of parse_chat_request: one hand-written pass over the common Chat Completions body
// that validates it and fills the typed request, with no JSON tree, no allocation but the request's
// own strings, and the client body's edit plan (client_body.h) recorded on the way.
//
//   Result<ParsedChatRequest> parsed(boost::system::in_place_value);
//   if (!detail::fast_parse_chat_request(body, limits, *parsed)) {
//     parsed = detail::full_parse_chat_request(body, limits);  // the full strict parse decides
//   }
//
// It takes a body only when it is sure that the full parser would accept it and build the same
// request; on anything else (an error of any kind, a shape it does not know) it returns false
// and the full parser decides, so every error keeps its one precise message. Handled: a top-level
// object whose members are model (a string), messages (1..max_messages objects with role, content
// as a string (null for an assistant), and optional non-empty name / tool_call_id strings), stream
// and parallel_tool_calls (booleans), stream_options ({"include_usage": bool} with stream true),
// max_tokens / top_k / seed / n (integers written as integers; n 2..128), temperature / top_p /
// frequency_penalty / presence_penalty (numbers of at most 15 significant digits), stop (a
// non-empty array of strings), user (a string), tool_choice ("auto", "none", "required"). No null
// anywhere but an assistant's content. Strings may hold any escape and any valid UTF-8.
// fuzz/targets/chat_request.cc checks that it agrees with the full parser.
#pragma once

#include <string_view>

#include "openai_wire/downstream_codec.h"

namespace roci::openai_wire::detail {

// Fills `out` (its request default-constructed) and returns true; false when it declines,
// leaving `out` unspecified.
bool fast_parse_chat_request(std::string_view body, const RequestLimits& limits,
                             ChatRequestSlots out);

// The full strict parse alone (the tree and the field parsers): what parse_chat_request answers
// when the fast path declines.
Result<ParsedChatRequest> full_parse_chat_request(std::string_view body,
                                                  const RequestLimits& limits);

}  // namespace roci::openai_wire::detail
