// responses_request: the Responses API request parser and its encoders
// (openai_wire/downstream_responses.h).
//
// Invariants beyond "no crash, no leak, no exception":
//  - every rejection is kInvalidRequest with a message, and its 400 body is UTF-8 JSON;
//  - an accepted request's echo is valid JSON members, and the response object and the event
//    stream rendered with it (an answer carrying the request's own text) are UTF-8 JSON;
//  - the upstream chat request encoded from it is UTF-8 JSON.
#include "openai_wire/downstream_responses.h"
#include "openai_wire/upstream_codec.h"
#include "targets.h"
#include "targets/check.h"

namespace roci::fuzz {

using detail::as_view;
using detail::is_json;

void fuzz_responses_request(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = as_view(data, size);
  openai_wire::RequestLimits limits;
  if (size > 0 && (data[size - 1] & 0x7) == 0x7) {
    limits.max_depth = 4;
    limits.max_messages = 3;
    limits.max_string_bytes = 16;
    limits.max_tokens_ceiling = 100;
    limits.max_tools = 2;
  }
  auto parsed = openai_wire::parse_responses_request(body, limits);
  if (!parsed) {
    const Error& e = parsed.error();
    FUZZ_CHECK(e.kind == ErrorKind::kInvalidRequest,
               "parse_responses_request rejected with kind " + std::string(to_string(e.kind)));
    FUZZ_CHECK(!e.message.empty(), "a rejection without a message");
    FUZZ_CHECK(
        is_json(openai_wire::encode_error_body(e.message, "invalid_request_error", e.param, e.code),
                /*strict_utf8=*/true),
        "400 body is not UTF-8 JSON");
    return;
  }
  FUZZ_CHECK(is_json("{" + parsed->echo + "}", /*strict_utf8=*/true),
             "the echo is not JSON members: " + parsed->echo);
  GenerationResult result;
  result.text = parsed->request.messages.empty() ? "" : parsed->request.messages.back().text();
  result.usage = Usage{1, 2, 3};
  const openai_wire::ResponseHead head{
      .id = "resp_f", .model = parsed->request.model, .created_at = 1, .echo = parsed->echo};
  const std::string object = openai_wire::encode_response(
      head, openai_wire::response_output(result),
      openai_wire::response_outcome(FinishReason::kStop), result.usage, 2);
  FUZZ_CHECK(is_json(object, true), "encode_response gave invalid JSON: " + object);
  openai_wire::ResponsesEventEncoder events(head);
  std::string stream = events.open() + events.encode(TextDelta{result.text});
  stream += events.finish(Finish{.reason = FinishReason::kLength, .usage = result.usage});
  FUZZ_CHECK(is_json(events.final_response(), true), "the streamed response is invalid JSON");
  const std::string upstream =
      openai_wire::encode_chat_request(parsed->request, parsed->stream, {});
  FUZZ_CHECK(is_json(upstream, true), "encode_chat_request gave invalid JSON: " + upstream);
}

}  // namespace roci::fuzz
