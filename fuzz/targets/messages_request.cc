// messages_request: the Anthropic Messages request parsers of anthropic_wire/messages_codec.h.
//
// Invariants beyond "no crash, no leak, no exception":
//  - every rejection is kInvalidRequest, and its 400 body (Anthropic's envelope) is UTF-8 JSON;
//  - an accepted request has a model, at least one message and max_tokens; it renders a message
//    object and a stream (every part kind, then a Finish) as valid UTF-8 JSON and SSE;
//  - count_tokens accepts every body parse_messages_request accepts.
#include "anthropic_wire/messages_codec.h"
#include "openai_wire/sse_parser.h"
#include "targets.h"
#include "targets/check.h"

namespace roci::fuzz {
namespace {

using detail::as_view;
using detail::is_json;

void check_rejection(const Error& e, std::string_view parser) {
  FUZZ_CHECK(e.kind == ErrorKind::kInvalidRequest, std::string(parser) + " rejected with kind " +
                                                       std::string(to_string(e.kind)) + ": " +
                                                       e.message);
  FUZZ_CHECK(!e.message.empty(), std::string(parser) + " rejected without a message");
  const std::string body =
      anthropic_wire::encode_error_body(anthropic_wire::error_type(400), e.message);
  FUZZ_CHECK(is_json(body, /*strict_utf8=*/true), "400 body is not UTF-8 JSON: " + body);
}

// The text of the request's messages, as a model might echo it back.
std::string echo_of(const ProviderRequest& request) {
  std::string text;
  for (const auto& m : request.messages) text += m.text();
  return text.substr(0, 256);
}

void check_rendering(const anthropic_wire::ParsedMessagesRequest& parsed) {
  const std::string echo = echo_of(parsed.request);
  GenerationResult result;
  result.text = echo;
  result.reasoning = echo;
  result.tool_calls = {{"", "f", echo}};
  result.usage = Usage{1, 2, 3};
  const std::string message =
      anthropic_wire::encode_message(result, "msg_1", parsed.request.model, parsed.options);
  FUZZ_CHECK(is_json(message, true), "encode_message gave invalid JSON: " + message);

  anthropic_wire::MessageStreamEncoder encoder("msg_1", parsed.request.model, parsed.options);
  std::string sse = encoder.encode(ReasoningDelta{echo});
  sse += encoder.encode(TextDelta{echo});
  sse += encoder.encode(ToolCallDelta{0, "", "f", echo, 0});
  sse += encoder.encode(Finish{});
  openai_wire::SseParser parser;
  parser.feed(sse);
  parser.finish();
  std::size_t events = 0;
  while (true) {
    auto ev = parser.next_event();
    FUZZ_CHECK(ev.has_value(), "our stream does not parse as SSE");
    if (!*ev) break;
    ++events;
    FUZZ_CHECK(is_json((*ev)->data, true), "stream event is not UTF-8 JSON: " + (*ev)->data);
  }
  FUZZ_CHECK(events >= 4, "the stream lacks its start and end events");
}

}  // namespace

void fuzz_messages_request(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = as_view(data, size);
  openai_wire::RequestLimits limits;
  if (size > 0 && (data[size - 1] & 0x7) == 0x7) {  // small limits, reached by small inputs
    limits.max_depth = 4;
    limits.max_messages = 3;
    limits.max_string_bytes = 16;
    limits.max_tokens_ceiling = 100;
    limits.max_stop_sequences = 2;
    limits.max_tools = 2;
  }
  auto parsed = anthropic_wire::parse_messages_request(body, limits);
  auto counted = anthropic_wire::parse_count_tokens_request(body, limits);
  if (!counted) check_rejection(counted.error(), "parse_count_tokens_request");
  if (!parsed) {
    check_rejection(parsed.error(), "parse_messages_request");
    return;
  }
  FUZZ_CHECK(counted.has_value(), "count_tokens rejected a body /v1/messages accepts");
  FUZZ_CHECK(!parsed->request.messages.empty(), "accepted without messages");
  FUZZ_CHECK(parsed->request.settings.max_tokens.has_value(), "accepted without max_tokens");
  check_rendering(*parsed);
}

}  // namespace roci::fuzz
