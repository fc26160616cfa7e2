// upstream_decode: every decoder of upstream_codec.h on the input as an upstream body, and — when
// the input holds SSE `data:` lines — decode_chat_chunk on each event's data, as the providers do.
//
// Invariants beyond "total" (upstream_codec.h): what the gateway would send its client from a
// decoded value (encode_chat_completion, ChunkEncoder, encode_model_list, ...) is valid UTF-8 JSON;
// an Error's message is non-empty and its error body and SSE error event are well-formed UTF-8
// JSON.
#include "openai_wire/downstream_codec.h"
#include "openai_wire/fast_path_decode.h"
#include "openai_wire/sse_parser.h"
#include "openai_wire/upstream_codec.h"
#include "targets.h"
#include "targets/check.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <optional>
#include <string>
#include <variant>

namespace roci::fuzz {
namespace {

using detail::as_view;
using detail::is_json;

constexpr std::string_view kUpstream = "LM Studio";

void check_error(const Error& e, std::string_view where) {
  FUZZ_CHECK(!e.message.empty(), std::string(where) + ": an Error without a message");
  const std::string body = openai_wire::encode_error_body(e.message, to_string(e.kind), e.param,
                                                          e.code, e.available_models);
  FUZZ_CHECK(is_json(body, /*strict_utf8=*/true),
             std::string(where) + ": error body is not UTF-8 JSON: " + body);
  const std::string event = openai_wire::encode_sse_error(e.message, to_string(e.kind), e.code);
  FUZZ_CHECK(event.starts_with("data: ") && event.ends_with("\n\n") &&
                 is_json(std::string_view(event).substr(6, event.size() - 8), true),
             std::string(where) + ": SSE error event is not one JSON data line: " + event);
}

// What the fast paths (fast_path_decode.h) answer must be what the tree decoders answer.
std::string describe_usage(const std::optional<Usage>& u) {
  if (!u) return "";
  return " usage=" + std::to_string(u->prompt_tokens) + "/" + std::to_string(u->completion_tokens) +
         "/" + std::to_string(u->total_tokens);
}

std::string describe(const openai_wire::DecodedChunk& c) {
  std::string out = "id=" + c.info.id + " model=" + c.info.model +
                    " created=" + std::to_string(c.info.created) +
                    " fingerprint=" + c.info.system_fingerprint;
  for (const auto& part : c.parts) {
    if (const auto* t = std::get_if<TextDelta>(&part)) out += " text=[" + t->text + "]";
    if (const auto* r = std::get_if<ReasoningDelta>(&part)) out += " reasoning=[" + r->text + "]";
    if (std::holds_alternative<ToolCallDelta>(part)) out += " tool-call";
    if (std::holds_alternative<Finish>(part)) out += " finish";
  }
  if (c.finish_reason) out += " finish_reason=" + std::string(to_string(*c.finish_reason));
  return out + describe_usage(c.usage) + (c.stats ? " stats" : "");
}

std::string describe(const GenerationResult& r) {
  return "id=" + r.id + " model=" + r.model + " created=" + std::to_string(r.created) +
         " fingerprint=" + r.system_fingerprint + " text=[" + r.text + "] reasoning=[" +
         r.reasoning + "] tool_calls=" + std::to_string(r.tool_calls.size()) +
         " finish_reason=" + std::string(to_string(r.finish_reason)) + describe_usage(r.usage) +
         (r.stats ? " stats" : "");
}

template <class Fast, class Tree>
void check_fast_path_agrees(std::string_view input, std::string_view name, Fast fast, Tree tree) {
  const auto common = fast(input);
  if (!common) return;
  const auto general = tree(input, kUpstream);
  FUZZ_CHECK(general.has_value(), std::string(name) + " accepted what the tree decoder rejects: " +
                                      (general ? std::string() : general.error().message));
  FUZZ_CHECK(describe(*common) == describe(*general),
             std::string(name) + " and the tree decoder disagree: " + describe(*common) + " vs " +
                 describe(*general));
}

std::string describe(const openai_wire::detail::CommonShape& s) {
  auto opt = [](const std::optional<std::string_view>& v) {
    return v ? "[" + std::string(*v) + "]" : std::string("none");
  };
  return "id=" + std::string(s.id) + " model=" + std::string(s.model) +
         " created=" + std::to_string(s.created) + " content=" + opt(s.content) +
         " reasoning=" + opt(s.reasoning_text()) + " finish=" + opt(s.finish_reason) +
         describe_usage(s.usage());
}

// OpenAiChatStream scans every chunk with one scratch string, reused: what a payload scans to must
// not depend on what the scratch string held before.
void check_scan_with_reused_scratch(std::string_view data) {
  using openai_wire::detail::CommonShape;
  using openai_wire::detail::scan_common_shape;
  using openai_wire::detail::ShapeKind;
  thread_local std::string reused = "left over from an earlier payload \\ \"";
  CommonShape fresh_shape;
  CommonShape reused_shape;
  std::string fresh;
  const bool a = scan_common_shape(data, ShapeKind::kChunk, fresh_shape, fresh);
  const bool b = scan_common_shape(data, ShapeKind::kChunk, reused_shape, reused);
  FUZZ_CHECK(a == b, "scan_common_shape depends on its scratch string's past");
  if (a) {
    FUZZ_CHECK(describe(fresh_shape) == describe(reused_shape),
               "scan_common_shape with a reused scratch string disagrees: " +
                   describe(fresh_shape) + " vs " + describe(reused_shape));
  }
}

// ChunkScanner, which reads a stream's chunks against the last one it scanned in full, answers
// every chunk of a sequence as scan_common_shape does.
class ChunkScannerCheck {
 public:
  void next(std::string_view data) {
    using openai_wire::detail::ShapeKind;
    openai_wire::detail::CommonShape fresh;
    openai_wire::detail::CommonShape streamed;
    std::string fresh_scratch;
    const bool a =
        openai_wire::detail::scan_common_shape(data, ShapeKind::kChunk, fresh, fresh_scratch);
    const bool b = scanner_.scan(data, streamed, scratch_);
    FUZZ_CHECK(a == b, "ChunkScanner and scan_common_shape disagree on " + std::string(data));
    if (!a) return;
    const auto full = [](const openai_wire::detail::CommonShape& s) {
      return describe(s) + " fp=" + std::string(s.system_fingerprint) +
             " object=" + std::string(s.object) + " role=" + std::string(s.role) +
             " choice=" + std::to_string(s.has_choice) + std::to_string(s.has_message);
    };
    FUZZ_CHECK(full(fresh) == full(streamed) && fresh.members == streamed.members,
               "ChunkScanner disagrees: " + full(fresh) + " vs " + full(streamed));
  }

 private:
  openai_wire::detail::ChunkScanner scanner_;
  std::string scratch_;
};

void check_chunk(std::string_view data) {
  check_fast_path_agrees(data, "decode_chunk_fast_path",
                         openai_wire::detail::decode_chunk_fast_path,
                         openai_wire::detail::decode_chat_chunk_tree);
  check_scan_with_reused_scratch(data);
  auto chunk = openai_wire::decode_chat_chunk(data, kUpstream);
  if (!chunk) return check_error(chunk.error(), "decode_chat_chunk");
  openai_wire::ChunkEncoder encoder("chatcmpl-fuzz", chunk->info.model, chunk->info.created);
  auto parts = chunk->parts;
  if (chunk->finish_reason) parts.push_back(Finish{*chunk->finish_reason, chunk->usage, {}});
  for (const auto& part : parts) {
    const std::string event = encoder.encode(part);
    FUZZ_CHECK(event.starts_with("data: ") && event.ends_with("\n\n"),
               "ChunkEncoder output is not one SSE event: " + event);
    FUZZ_CHECK(is_json(std::string_view(event).substr(6, event.size() - 8), true),
               "ChunkEncoder gave invalid JSON from a decoded chunk: " + event);
  }
  if (chunk->usage) {
    std::string event;
    encoder.usage_chunk_into(*chunk->usage, event);
    FUZZ_CHECK(is_json(std::string_view(event).substr(6, event.size() - 8), true),
               "usage_chunk_into gave invalid JSON: " + event);
  }
}

// decode_response_fast_path's answer (taking `forward` as wire_answer when given), or nullopt when
// it declines.
std::optional<GenerationResult> fast_response(std::string_view body,
                                              std::string* forward = nullptr) {
  std::optional<GenerationResult> r(std::in_place);
  if (!openai_wire::detail::decode_response_fast_path(body, *r, forward)) r.reset();
  return r;
}

// An answer the gateway forwards as received (GenerationResult::wire_answer) must be, as JSON, the
// answer the encoder would have written from the decoded result.
void check_wire_answer(std::string_view body) {
  std::string forward(body);
  const auto r = fast_response(body, &forward);
  if (!r || r->wire_answer.empty()) return;
  const std::string encoded = openai_wire::encode_chat_completion(*r, r->id, r->model, r->created);
  boost::system::error_code received_ec;
  boost::system::error_code encoded_ec;
  const auto received = boost::json::parse(body, received_ec);
  const auto reencoded = boost::json::parse(encoded, encoded_ec);
  FUZZ_CHECK(!received_ec && !encoded_ec && received == reencoded,
             "a forwarded answer says something else than its encoding: " + std::string(body) +
                 " vs " + encoded);
}

}  // namespace

void fuzz_upstream_decode(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = as_view(data, size);
  check_fast_path_agrees(
      body, "decode_response_fast_path", [](std::string_view b) { return fast_response(b); },
      openai_wire::detail::decode_chat_response_tree);
  check_wire_answer(body);

  if (auto r = openai_wire::decode_chat_response(body, kUpstream); !r) {
    check_error(r.error(), "decode_chat_response");
  } else {
    const std::string out = openai_wire::encode_chat_completion(*r, "chatcmpl-fuzz", r->model, 1);
    FUZZ_CHECK(is_json(out, true), "encode_chat_completion of a decoded response: " + out);
  }

  check_chunk(body);
  ChunkScannerCheck lines;  // the input's lines as the chunks of one stream
  for (std::size_t at = 0; at <= body.size();) {
    const std::size_t end = std::min(body.find('\n', at), body.size());
    lines.next(body.substr(at, end - at));
    at = end + 1;
  }

  if (auto r = openai_wire::decode_model_list(body, kUpstream); !r) {
    check_error(r.error(), "decode_model_list");
  } else {
    const std::string out = openai_wire::encode_model_list(*r);
    FUZZ_CHECK(is_json(out, true), "encode_model_list of a decoded list: " + out);
  }

  if (auto r = openai_wire::decode_embedding_response(body, kUpstream); !r) {
    check_error(r.error(), "decode_embedding_response");
  } else {
    const std::string out = openai_wire::encode_embedding_response(*r);
    FUZZ_CHECK(is_json(out, true), "encode_embedding_response of a decoded result: " + out);
  }

  if (auto r = openai_wire::decode_completion_response(body, kUpstream); !r) {
    check_error(r.error(), "decode_completion_response");
  } else {
    const std::string out = openai_wire::encode_completion_response(*r);
    FUZZ_CHECK(is_json(out, true), "encode_completion_response of a decoded result: " + out);
  }

  // Statuses: the classified ones, a 2xx (error bodies with HTTP 200) and one from the input. The
  // encoded error body is checked for the input's status only (the encoders cost more than the
  // classifier, and the message is what varies with the body).
  const int input_status = size >= 2 ? 100 + (data[0] * 256 + data[1]) % 500 : 200;
  for (int status : {200, 400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503}) {
    const Error e = openai_wire::classify_upstream_error(status, body, kUpstream);
    FUZZ_CHECK(!e.message.empty(), "classify_upstream_error: an Error without a message");
    if (auto d = openai_wire::detect_error_body(status, body, kUpstream)) {
      FUZZ_CHECK(!d->message.empty(), "detect_error_body: an Error without a message");
    }
  }
  check_error(openai_wire::classify_upstream_error(input_status, body, kUpstream),
              "classify_upstream_error");
  if (auto d = openai_wire::detect_error_body(input_status, body, kUpstream)) {
    check_error(*d, "detect_error_body");
  }

  // SSE bodies (the .sse fixtures): each event's data through decode_chat_chunk.
  if (body.find("data:") != std::string_view::npos) {
    openai_wire::SseParser parser(1u << 20);
    parser.feed(body);
    parser.finish();
    ChunkScannerCheck stream;
    while (true) {
      auto ev = parser.next_event();
      if (!ev || !*ev) break;
      if ((*ev)->data == "[DONE]") continue;
      check_chunk((*ev)->data);
      stream.next((*ev)->data);
    }
  }
}

}  // namespace roci::fuzz
