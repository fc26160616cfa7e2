// decode_chunk_fast_path / decode_response_fast_path / scan_common_shape, the fast paths of
// decode_chat_chunk and decode_chat_response: they answer for the common shape, decline everything
// else, and always agree with the tree decoders.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <climits>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "openai_wire/downstream_codec.h"
#include "openai_wire/fast_path_decode.h"
#include "test_util.h"

namespace roci::openai_wire {
namespace {

using detail::decode_chat_chunk_tree;
using detail::decode_chat_response_tree;
using detail::decode_chunk_fast_path;
using testing::fixtures_dir;
using testing::read_fixture;

// decode_response_fast_path's answer, or nullopt when it declines.
std::optional<GenerationResult> fast_response(std::string_view body,
                                              std::string* forward = nullptr) {
  GenerationResult out;
  if (!detail::decode_response_fast_path(body, out, forward)) return std::nullopt;
  return out;
}

// The data of every event of an SSE body, [DONE] excluded.
std::vector<std::string> event_data(const std::string& body) {
  SseParser parser(1u << 20);
  parser.feed(body);
  parser.finish();
  std::vector<std::string> out;
  while (true) {
    auto ev = parser.next_event();
    if (!ev || !*ev) break;
    if ((*ev)->data != "[DONE]") out.push_back((*ev)->data);
  }
  return out;
}

std::string texts(const std::vector<StreamPart>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (const auto* t = std::get_if<TextDelta>(&part)) out += "text:" + t->text + ";";
    if (const auto* r = std::get_if<ReasoningDelta>(&part)) out += "reasoning:" + r->text + ";";
    if (std::holds_alternative<ToolCallDelta>(part)) out += "tool;";
    if (std::holds_alternative<Finish>(part)) out += "finish;";
  }
  return out;
}

void expect_same(const DecodedChunk& fast, const DecodedChunk& tree, const std::string& data) {
  EXPECT_EQ(fast.info.id, tree.info.id) << data;
  EXPECT_EQ(fast.info.model, tree.info.model) << data;
  EXPECT_EQ(fast.info.created, tree.info.created) << data;
  EXPECT_EQ(fast.info.system_fingerprint, tree.info.system_fingerprint) << data;
  EXPECT_EQ(texts(fast.parts), texts(tree.parts)) << data;
  EXPECT_EQ(fast.finish_reason, tree.finish_reason) << data;
  EXPECT_EQ(fast.usage, tree.usage) << data;
  EXPECT_EQ(fast.stats.has_value(), tree.stats.has_value()) << data;
}

// Runs both decoders; returns whether the fast path answered (and then checks they agree).
bool fast_path_agrees(const std::string& data) {
  const auto fast = decode_chunk_fast_path(data);
  if (!fast) return false;
  const auto tree = decode_chat_chunk_tree(data, "LM Studio");
  EXPECT_TRUE(tree) << "the fast path accepted what the tree decoder rejects: " << data;
  if (tree) expect_same(*fast, *tree, data);
  return true;
}

TEST(CommonShapeDecode, AgreesWithTheTreeOnEveryRecordedStream) {
  int answered = 0;
  int declined = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(fixtures_dir())) {
    if (entry.path().extension() != ".sse") continue;
    const auto relative = std::filesystem::relative(entry.path(), fixtures_dir()).string();
    if (relative.starts_with("anthropic/")) continue;  // anthropic_wire's (not OpenAI chunks)
    for (const auto& data : event_data(read_fixture(relative))) {
      (fast_path_agrees(data) ? answered : declined) += 1;
    }
  }
  // Tool-call chunks (most of the fixtures' events), llama.cpp timings, OpenAI's usage details and
  // error events take the general path.
  EXPECT_GT(answered, declined) << answered << " answered, " << declined << " declined";
}

TEST(CommonShapeDecode, AnswersForEveryChunkOfPlainTextStreams) {
  for (const char* fixture :
       {"lmstudio/stream_basic.sse", "lmstudio/stream_every_chunk_has_role.sse",
        "lmstudio/stream_reasoning_content.sse", "lmstudio/stream_gpt_oss_reasoning.sse"}) {
    for (const auto& data : event_data(read_fixture(fixture))) {
      EXPECT_TRUE(fast_path_agrees(data)) << fixture << ": " << data;
    }
  }
  // OpenAI: every chunk but the last, whose usage has *_tokens_details objects.
  const auto openai = event_data(read_fixture("openai/stream_basic.sse"));
  ASSERT_GT(openai.size(), 2u);
  for (std::size_t i = 0; i + 1 < openai.size(); ++i) EXPECT_TRUE(fast_path_agrees(openai[i]));
}

TEST(CommonShapeDecode, AnswersForTheChunksOfAStream) {
  const std::string content =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1731990317,)"
      R"("model":"qwen3-8b","system_fingerprint":"qwen3-8b","choices":[{"index":0,)"
      R"("delta":{"role":"assistant","content":"Hel\u00e9\nlo \"x\""},"logprobs":null,)"
      R"("finish_reason":null}]})";
  const std::string finish =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
      R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]})";
  const std::string usage =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
      R"("choices":[],"usage":{"prompt_tokens":24,"completion_tokens":9,"total_tokens":33}})";
  const std::string reasoning =
      R"({"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"","reasoning":"r",)"
      R"("content":null}}]})";
  const std::string big_counts =
      R"({"choices":[],"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":5}})";
  for (const auto& data : {content, finish, usage, reasoning, big_counts}) {
    EXPECT_TRUE(fast_path_agrees(data)) << data;
  }
  auto decoded = decode_chunk_fast_path(content);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(texts(decoded->parts), "text:Hel\xC3\xA9\nlo \"x\";");
  EXPECT_EQ(decoded->info.created, 1731990317);
  EXPECT_EQ(decode_chunk_fast_path(usage)->usage, (Usage{24, 9, 33}));
  EXPECT_EQ(decode_chunk_fast_path(finish)->finish_reason, FinishReason::kLength);
  EXPECT_EQ(texts(decode_chunk_fast_path(reasoning)->parts), "")
      << "an empty reasoning_content hides reasoning, as in the tree decoder";
  EXPECT_EQ(decode_chunk_fast_path(big_counts)->usage, (Usage{INT_MAX, 5, INT_MAX}));
}

TEST(CommonShapeDecode, DeclinesEverythingElse) {
  const std::vector<std::string> declined = {
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"1"}]}}]})",
      R"({"error":"Model unloaded"})",
      R"({"error":{"message":"x"}})",
      R"({"choices":[],"timings":{"predicted_per_second":50.0}})",
      R"({"choices":[],"stats":{"tokens_per_second":50.0}})",
      R"({"id":"a","id":"b","choices":[]})",
      R"({"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]})",
      R"({"choices":[{"index":1,"delta":{"content":"b"},"finish_reason":null}]})",  // n > 1
      R"({"created":1.0,"choices":[]})",
      R"({"created":18446744073709551615,"choices":[]})",
      R"({"choices":[{"delta":null}]})",
      R"({"choices":null})",
      R"({"choices":[],"usage":{"prompt_tokens":1,"prompt_tokens_details":{"cached_tokens":0}}})",
      R"({"choices":[{"logprobs":{"content":[]},"delta":{}}]})",
      R"({"id":7,"choices":[]})",
      R"("just a string")",
      R"([{"choices":[]}])",
      R"(null)",
      R"({"choices":[]} trailing)",
      R"({"choices":[)",
      "",
  };
  for (const auto& data : declined) {
    EXPECT_FALSE(decode_chunk_fast_path(data)) << data;
  }
}

TEST(CommonShapeDecode, DecodeChatChunkStillHandlesWhatTheFastPathDeclines) {
  auto tool =
      decode_chat_chunk(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":7,)"
                        R"("function":{"name":"f","arguments":"{}"}}]}}]})",
                        "LM Studio");
  ASSERT_TRUE(tool) << tool.error().message;
  EXPECT_EQ(texts(tool->parts), "tool;");
  auto error = decode_chat_chunk(R"({"error":"Model unloaded"})", "LM Studio");
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("Model unloaded"), std::string::npos);
}

// Runs both response decoders; returns whether the fast path answered (and checks agreement).
bool response_fast_path_agrees(const std::string& body) {
  const auto fast = fast_response(body);
  if (!fast) return false;
  const auto tree = decode_chat_response_tree(body, "LM Studio");
  EXPECT_TRUE(tree) << "the fast path accepted what the tree decoder rejects: " << body;
  if (!tree) return true;
  EXPECT_EQ(fast->text, tree->text) << body;
  EXPECT_EQ(fast->reasoning, tree->reasoning) << body;
  EXPECT_EQ(fast->tool_calls.size(), tree->tool_calls.size()) << body;
  EXPECT_EQ(fast->finish_reason, tree->finish_reason) << body;
  EXPECT_EQ(fast->usage, tree->usage) << body;
  EXPECT_EQ(fast->id, tree->id) << body;
  EXPECT_EQ(fast->model, tree->model) << body;
  EXPECT_EQ(fast->created, tree->created) << body;
  EXPECT_EQ(fast->system_fingerprint, tree->system_fingerprint) << body;
  EXPECT_EQ(fast->stats.has_value(), tree->stats.has_value()) << body;
  return true;
}

TEST(CommonShapeDecode, AnswersForPlainChatCompletions) {
  EXPECT_TRUE(response_fast_path_agrees(read_fixture("lmstudio/chat_response.json")));
  const std::string reasoning =
      R"({"id":"c","object":"chat.completion","created":2,"model":"m","choices":[{"index":0,)"
      R"("finish_reason":"length","message":{"role":"assistant","content":null,)"
      R"("reasoning_content":"think"}}],"usage":{"prompt_tokens":1,"completion_tokens":2}})";
  EXPECT_TRUE(response_fast_path_agrees(reasoning));
  auto decoded = fast_response(reasoning);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->reasoning, "think");
  EXPECT_EQ(decoded->finish_reason, FinishReason::kLength);
  EXPECT_EQ(decoded->usage, (Usage{1, 2, 3}));
  // No finish_reason and no tool calls: stop, as in the tree decoder.
  EXPECT_TRUE(response_fast_path_agrees(R"({"choices":[{"message":{"content":"x"}}]})"));
}

TEST(CommonShapeDecode, ResponsesOutsideTheCommonShapeTakeTheTreePath) {
  for (const char* fixture :
       {"lmstudio/chat_response_tool_calls.json", "lmstudio/chat_response_api_v0_stats.json",
        "llamacpp/chat_response_timings.json", "lmstudio/error_model_not_found.json"}) {
    EXPECT_FALSE(fast_response(read_fixture(fixture))) << fixture;
  }
  for (const char* body :
       {R"({"choices":[]})", R"({"choices":[{"index":0}]})",
        R"({"choices":[{"delta":{"content":"x"}}]})",
        R"({"choices":[{"message":{"content":[{"type":"text","text":"x"}]}}]})"}) {
    EXPECT_FALSE(fast_response(body)) << body;
  }
  // The public decoder still gives the tree path's answers for them.
  auto tools =
      decode_chat_response(read_fixture("lmstudio/chat_response_tool_calls.json"), "LM Studio");
  ASSERT_TRUE(tools) << tools.error().message;
  EXPECT_FALSE(tools->tool_calls.empty());
  auto empty = decode_chat_response(R"({"choices":[]})", "LM Studio");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("\"choices\" is empty"), std::string::npos);
}

// Everything a scan says about a chunk, to compare two scanners.
std::string shape_text(const detail::CommonShape& s) {
  const auto opt = [](const std::optional<std::string_view>& v) {
    return v ? "[" + std::string(*v) + "]" : std::string("none");
  };
  std::string out =
      std::string(s.id) + "|" + std::string(s.model) + "|" + std::string(s.system_fingerprint) +
      "|" + std::string(s.object) + "|" + std::string(s.role) + "|" + std::to_string(s.created) +
      "|" + opt(s.content) + opt(s.reasoning_content) + opt(s.reasoning) + opt(s.finish_reason) +
      std::to_string(s.has_choice) + std::to_string(s.has_message) + std::to_string(s.has_usage);
  for (auto m : s.members) out += "|" + std::to_string(m);
  return out;
}

// Scans `chunks` in order with one ChunkScanner; each answer must be scan_common_shape's.
// Returns how many were accepted.
int scan_stream(const std::vector<std::string>& chunks) {
  detail::ChunkScanner scanner;
  std::string scratch;
  int accepted = 0;
  for (const auto& chunk : chunks) {
    detail::CommonShape fresh;
    detail::CommonShape streamed;
    std::string fresh_scratch;
    const bool a =
        detail::scan_common_shape(chunk, detail::ShapeKind::kChunk, fresh, fresh_scratch);
    const bool b = scanner.scan(chunk, streamed, scratch);
    EXPECT_EQ(a, b) << chunk;
    if (a && b) {
      EXPECT_EQ(shape_text(fresh), shape_text(streamed)) << chunk;
      ++accepted;
    }
  }
  return accepted;
}

std::string text_chunk(std::string_view content, std::string_view model = "m") {
  return R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":")" +
         std::string(model) + R"(","choices":[{"index":0,"delta":{"content":")" +
         std::string(content) + R"("},"logprobs":null,"finish_reason":null}]})";
}

TEST(ChunkScanner, AnswersEveryChunkOfAStreamAsAFullScanDoes) {
  const std::vector<std::string> stream = {
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[)"
      R"({"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,)"
      R"("finish_reason":null}]})",
      text_chunk("Hello"),
      text_chunk(" wor"),
      text_chunk(""),
      text_chunk(R"(ld \u00e9\n\"q\")"),  // escapes: read into the scratch string
      text_chunk(R"(caf\u00e9 \ud83d\ude00 ok)"),
      text_chunk("x", "another-model"),  // the prefix differs: a full scan
      text_chunk("y", "another-model"),
      text_chunk("long" + std::string(3000, 'z')),  // too long to keep as the template
      text_chunk("after"),
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[)"
      R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})",
      R"({"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[],)"
      R"("usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})",
  };
  EXPECT_EQ(scan_stream(stream), static_cast<int>(stream.size()));
}

TEST(ChunkScanner, AContentThatIsNotOneStringIsNotReadAsOne) {
  const std::vector<std::string> stream = {
      text_chunk("a"),
      text_chunk(R"(b","extra":"c)"),  // the text ends early: a key the shape does not have
      text_chunk("a"),
      text_chunk(R"(bad \x escape)"),
      text_chunk("a"),
      text_chunk(R"(raw \n is fine, a raw newline )"
                 "\n"
                 R"( is not)"),
      text_chunk("a"),
      text_chunk(R"(\ud83d lone surrogate)"),
      text_chunk("a"),
      text_chunk(R"(\)"),  // the closing quote escaped: no string end where the template's is
  };
  EXPECT_EQ(scan_stream(stream), 5);
}

// Decodes `body` asking for its bytes; returns whether the result kept them as wire_answer, and
// checks that kept bytes say, as JSON, what encode_chat_completion writes for the result.
bool answer_is_forwarded(const std::string& body) {
  std::string forward = body;
  const auto r = fast_response(body, &forward);
  if (!r || r->wire_answer.empty()) return false;
  EXPECT_EQ(r->wire_answer, body);
  const std::string encoded = encode_chat_completion(*r, r->id, r->model, r->created);
  EXPECT_EQ(boost::json::parse(body), boost::json::parse(encoded)) << body << "\n" << encoded;
  return true;
}

constexpr std::string_view kCanonicalAnswer =
    R"({"id":"chatcmpl-1","object":"chat.completion","created":5,"model":"m","choices":[)"
    R"({"index":0,"logprobs":null,"finish_reason":"stop","message":{"role":"assistant",)"
    R"("content":"Hi \u00e9\n"}}],"usage":{"prompt_tokens":1,"completion_tokens":2,)"
    R"("total_tokens":3},"system_fingerprint":"m"})";

// `edit` applied to kCanonicalAnswer: the first `from` replaced by `to`.
std::string edited(std::string_view from, std::string_view to) {
  std::string body(kCanonicalAnswer);
  const auto at = body.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) body.replace(at, from.size(), to);
  return body;
}

TEST(WireAnswer, TheCommonAnswerIsForwardedAsReceived) {
  EXPECT_TRUE(answer_is_forwarded(std::string(kCanonicalAnswer)));
  EXPECT_TRUE(answer_is_forwarded(read_fixture("lmstudio/chat_response.json")));  // pretty-printed
  EXPECT_TRUE(answer_is_forwarded(edited(R"(,"system_fingerprint":"m")", "")));
  EXPECT_TRUE(answer_is_forwarded(
      edited(R"("role":"assistant",)", R"("role":"assistant","reasoning_content":"why",)")));
  EXPECT_TRUE(answer_is_forwarded(edited(R"("stop")", R"("length")")));
  // Without `forward` nothing is kept.
  const auto r = fast_response(kCanonicalAnswer);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->wire_answer.empty());
}

TEST(WireAnswer, AnAnswerTheEncoderWouldWriteDifferentlyIsNotForwarded) {
  const std::vector<std::string> bodies = {
      edited(R"("id":"chatcmpl-1",)", ""),         // the gateway makes one up
      edited(R"("created":5,)", ""),               // the gateway's clock
      edited(R"("created":5)", R"("created":0)"),  //
      edited(R"("model":"m",)", ""),               // the resolved model
      edited(R"("object":"chat.completion")", R"("object":"x")"),
      edited(R"("object":"chat.completion",)", ""),
      edited(R"("index":0,)", ""),
      edited(R"("logprobs":null,)", ""),
      edited(R"("role":"assistant",)", ""),  // the encoder adds it
      edited(R"("role":"assistant")", R"("role":"user")"),
      edited(R"("content":"Hi \u00e9\n")", R"("content":null)"),  // written as ""
      edited(R"("finish_reason":"stop",)", ""),                   // written as "stop"
      edited(R"("stop")", R"("eos")"),                            // normalised
      edited(R"("role":"assistant",)", R"("role":"assistant","reasoning":"why",)"),  // renamed
      edited(R"("role":"assistant",)", R"("role":"assistant","reasoning_content":"",)"),
      edited(R"("role":"assistant",)", R"("role":"assistant","refusal":null,)"),  // dropped
      edited(R"("system_fingerprint")", R"("service_tier":"default","system_fingerprint")"),
      edited(R"("system_fingerprint")", R"("obfuscation":"ab","system_fingerprint")"),
      edited(R"(,"total_tokens":3)", ""),  // the encoder sums it
      edited(R"("prompt_tokens":1,)", ""),
      edited(R"("total_tokens":3)", R"("total_tokens":2147483648)"),  // clamped
      edited(R"("system_fingerprint":"m")", R"("system_fingerprint":null)"),
      edited(R"("system_fingerprint":"m")", R"("system_fingerprint":"")"),
      edited(R"(,"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3})", ""),
  };
  for (const auto& body : bodies) {
    EXPECT_FALSE(answer_is_forwarded(body)) << body;
    // They still decode on the fast path or the tree path.
    EXPECT_TRUE(decode_chat_response(body, "LM Studio")) << body;
  }
}

}  // namespace
}  // namespace roci::openai_wire

namespace roci::openai_wire {
namespace {

using detail::CommonShape;
using detail::scan_common_shape;
using detail::ShapeKind;

// The scanner itself: strings are spans of the payload unless they hold escapes, which are
// unescaped into the scratch string; views of several escaped strings stay valid together.
TEST(CommonShapeScan, SpansOfThePayloadAndUnescapedStringsInTheScratch) {
  const std::string data =
      " {\"id\" : \"chatcmpl-\\u0031\", \"model\":\"m\\/1\",\t\"created\":42,\n"
      "\"choices\":[ {\"index\":0,\"delta\":{\"content\":\"\\ud83d\\ude00 \\\"q\\\"\\n\"}} ]} ";
  CommonShape shape;
  std::string scratch;
  ASSERT_TRUE(scan_common_shape(data, ShapeKind::kChunk, shape, scratch));
  EXPECT_EQ(shape.id, "chatcmpl-1");
  EXPECT_EQ(shape.model, "m/1");
  EXPECT_EQ(shape.created, 42);
  ASSERT_TRUE(shape.content);
  EXPECT_EQ(*shape.content, "\xF0\x9F\x98\x80 \"q\"\n");
  EXPECT_TRUE(fast_path_agrees(data));

  const std::string plain =
      R"({"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"héllo"}}]})";
  ASSERT_TRUE(scan_common_shape(plain, ShapeKind::kChunk, shape, scratch));
  EXPECT_EQ(shape.content->data(), plain.data() + plain.find("héllo")) << "a span, no copy";
  EXPECT_TRUE(scratch.empty());
}

TEST(CommonShapeScan, DeclinesWhatTheScannerCannotVouchFor) {
  const std::vector<std::string> declined = {
      "{\"choices\":[],\"id\":\"\xC3\x28\"}",             // invalid UTF-8
      "{\"choices\":[],\"id\":\"\xE0\x80\xAF\"}",         // overlong
      "{\"choices\":[],\"id\":\"\xED\xA0\x80\"}",         // an encoded surrogate
      "{\"choices\":[],\"id\":\"\xF4\x90\x80\x80\"}",     // past U+10FFFF
      R"({"choices":[],"id":"\ud83d"})",                  // a lone high surrogate
      R"({"choices":[],"id":"\ude00"})",                  // a lone low surrogate
      R"({"choices":[],"id":"\x"})",                      // not an escape
      "{\"choices\":[],\"id\":\"a\tb\"}",                 // a raw control character
      R"({"choices":[],"i\u0064":"a"})",                  // an escaped key
      R"({"choices":[],"created":-1})",                   // negative
      R"({"choices":[],"created":01})",                   // a leading zero
      R"({"choices":[],"created":1e3})",                  // an exponent
      R"({"choices":[],"created":9223372036854775808})",  // past INT64_MAX
      R"({"choices":[{"index":0,"delta":{"content":true}}]})",
      R"({"choices":[],})",
      R"({"choices":[]}})",
  };
  for (const auto& data : declined) {
    CommonShape shape;
    std::string scratch;
    EXPECT_FALSE(scan_common_shape(data, ShapeKind::kChunk, shape, scratch)) << data;
  }
  // Numbers up to INT64_MAX are read (and clamped where the field is an int).
  EXPECT_TRUE(fast_path_agrees(R"({"choices":[],"created":9223372036854775807})"));
}

}  // namespace
}  // namespace roci::openai_wire
