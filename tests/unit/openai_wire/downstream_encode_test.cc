#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "openai_wire/downstream_codec.h"
#include "test_util.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;
using testing::sse_payload;

TEST(EncodeChatCompletionTest, ExactOpenAiShape) {
  GenerationResult r;
  r.text = "Hello \"world\"\n";
  r.finish_reason = FinishReason::kLength;
  r.usage = Usage{5, 7, 12};
  r.system_fingerprint = "qwen2.5-7b-instruct";
  auto body =
      json::parse(encode_chat_completion(r, "chatcmpl-abc", "qwen2.5-7b-instruct", 1731990317));
  EXPECT_EQ(body, json::parse(R"({"id":"chatcmpl-abc","object":"chat.completion",
      "created":1731990317,"model":"qwen2.5-7b-instruct",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hello \"world\"\n"},
                  "logprobs":null,"finish_reason":"length"}],
      "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12},
      "system_fingerprint":"qwen2.5-7b-instruct"})"));
}

TEST(EncodeChatCompletionTest, ToolCallsReasoningAndMissingUsage) {
  GenerationResult r;
  r.reasoning = "thinking";
  r.tool_calls = {{"365174485", "search", R"({"q":"dell"})"}};
  r.finish_reason = FinishReason::kToolCalls;
  auto body = json::parse(encode_chat_completion(r, "id", "m", 1)).as_object();
  const auto& message = body.at("choices").at(0).at("message");
  EXPECT_EQ(message, json::parse(R"({"role":"assistant","content":null,
      "reasoning_content":"thinking","tool_calls":[{"id":"365174485","type":"function",
      "function":{"name":"search","arguments":"{\"q\":\"dell\"}"}}]})"));
  EXPECT_EQ(body.at("choices").at(0).at("finish_reason").as_string(), "tool_calls");
  EXPECT_EQ(body.at("usage"),
            json::parse(R"({"prompt_tokens":0,"completion_tokens":0,"total_tokens":0})"));
  EXPECT_FALSE(body.contains("system_fingerprint"));
}

TEST(EncodeChatCompletionTest, OtherChoicesFollowTheFirst) {
  GenerationResult r;
  r.text = "first";
  r.other_choices = {{.index = 1, .text = "second", .finish_reason = FinishReason::kLength},
                     {.index = 2,
                      .tool_calls = {{"call_2", "f", "{}"}},
                      .finish_reason = FinishReason::kToolCalls}};
  r.usage = Usage{1, 3, 4};
  auto body = json::parse(encode_chat_completion(r, "id", "m", 1)).as_object();
  EXPECT_EQ(body.at("choices"), json::parse(R"([
      {"index":0,"message":{"role":"assistant","content":"first"},"logprobs":null,
       "finish_reason":"stop"},
      {"index":1,"message":{"role":"assistant","content":"second"},"logprobs":null,
       "finish_reason":"length"},
      {"index":2,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_2",
       "type":"function","function":{"name":"f","arguments":"{}"}}]},"logprobs":null,
       "finish_reason":"tool_calls"}])"));
}

TEST(ChunkEncoderTest, ChoicesOfAnNStreamHaveTheirIndexRoleAndFinish) {
  ChunkEncoder enc("c", "m", 1);
  auto a = sse_payload(enc.encode(TextDelta{"a", 0}));
  auto b = sse_payload(enc.encode(TextDelta{"b", 1}));
  auto a2 = sse_payload(enc.encode(TextDelta{"a2", 0}));
  auto b2 = sse_payload(enc.encode(ToolCallDelta{.index = 0, .arguments = "{}", .choice = 1}));
  EXPECT_EQ(a.at("choices").at(0).at("index"), 0);
  EXPECT_EQ(b.at("choices"), json::parse(R"([{"index":1,
      "delta":{"role":"assistant","content":"b"},"logprobs":null,"finish_reason":null}])"));
  EXPECT_EQ(a2.at("choices").at(0).at("delta"), json::parse(R"({"content":"a2"})"));
  EXPECT_EQ(b2.at("choices").at(0).at("index"), 1);
  EXPECT_FALSE(b2.at("choices").at(0).at("delta").as_object().contains("role"));

  Finish finish{.reason = FinishReason::kStop,
                .usage = Usage{1, 4, 5},
                .other_choices = {{.choice = 1, .reason = FinishReason::kToolCalls},
                                  {.choice = 2, .reason = FinishReason::kLength}}};
  auto end = sse_payload(enc.encode(finish));
  EXPECT_EQ(end.at("choices"), json::parse(R"([
      {"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"},
      {"index":1,"delta":{},"logprobs":null,"finish_reason":"tool_calls"},
      {"index":2,"delta":{"role":"assistant"},"logprobs":null,"finish_reason":"length"}])"));
  EXPECT_EQ(end.at("usage").at("total_tokens"), 5);
}

TEST(ChunkEncoderTest, RoleGoesOnTheFirstChunkWhateverItIs) {
  ChunkEncoder enc("chatcmpl-1", "llama3.3", 1731990317);
  auto first = sse_payload(enc.encode(TextDelta{"Once"}));
  EXPECT_EQ(first, json::parse(R"({"id":"chatcmpl-1","object":"chat.completion.chunk",
      "created":1731990317,"model":"llama3.3","choices":[{"index":0,
      "delta":{"role":"assistant","content":"Once"},"logprobs":null,"finish_reason":null}]})"));
  auto second = sse_payload(enc.encode(TextDelta{" upon"}));
  EXPECT_EQ(second.at("choices").at(0).at("delta"), json::parse(R"({"content":" upon"})"));

  ChunkEncoder reasoning_first("c", "m", 1);
  EXPECT_EQ(
      sse_payload(reasoning_first.encode(ReasoningDelta{"hmm"})).at("choices").at(0).at("delta"),
      json::parse(R"({"role":"assistant","reasoning_content":"hmm"})"));

  ChunkEncoder finish_first("c", "m", 1);
  EXPECT_EQ(sse_payload(finish_first.encode(Finish{})).at("choices").at(0).at("delta"),
            json::parse(R"({"role":"assistant"})"));
}

TEST(ChunkEncoderTest, LogprobsGoOutUntouchedWithTheirDelta) {
  const auto logprobs = json::parse(
      R"({"content":[{"token":"Hi","logprob":-0.02380986,"bytes":[72,105],"top_logprobs":[]}],
          "refusal":null})");
  ChunkEncoder enc("c", "m", 1);
  auto chunk = sse_payload(enc.encode(TextDelta{"Hi", 0, logprobs}));
  EXPECT_EQ(chunk.at("choices").at(0).at("logprobs"), logprobs);
  EXPECT_EQ(chunk.at("choices").at(0).at("delta").at("content"), "Hi");
  // Without logprobs the field stays null, as OpenAI sends it.
  EXPECT_TRUE(sse_payload(enc.encode(TextDelta{"!"})).at("choices").at(0).at("logprobs").is_null());
}

TEST(EncodeChatCompletionTest, LogprobsOfEveryChoiceGoOutUntouched) {
  GenerationResult r;
  r.text = "Hi";
  r.logprobs = json::parse(R"({"content":[{"token":"Hi","logprob":-1.5e-05,"bytes":null,
                                             "top_logprobs":[]}],"refusal":null})");
  GenerationChoice other{.index = 1, .text = "Yo"};
  other.logprobs = json::parse(R"({"content":[],"refusal":null})");
  r.other_choices.push_back(other);
  auto body = json::parse(encode_chat_completion(r, "c", "m", 1));
  EXPECT_EQ(body.at("choices").at(0).at("logprobs"), r.logprobs);
  EXPECT_EQ(body.at("choices").at(1).at("logprobs"), other.logprobs);
}

TEST(ChunkEncoderTest, ToolCallDeltas) {
  ChunkEncoder enc("c", "m", 1);
  enc.encode(TextDelta{""});
  auto start = sse_payload(enc.encode(ToolCallDelta{0, "365174485", "search", ""}));
  EXPECT_EQ(start.at("choices").at(0).at("delta"), json::parse(R"({"tool_calls":[{"index":0,
      "id":"365174485","type":"function","function":{"name":"search","arguments":""}}]})"));
  auto frag = sse_payload(enc.encode(ToolCallDelta{1, "", "", "{\"q\":"}));
  EXPECT_EQ(frag.at("choices").at(0).at("delta"),
            json::parse(R"({"tool_calls":[{"index":1,"function":{"arguments":"{\"q\":"}}]})"));
}

TEST(ChunkEncoderTest, FinishAndUsageChunks) {
  ChunkEncoder enc("c", "m", 1);
  enc.encode(TextDelta{"x"});
  auto finish = sse_payload(enc.encode(Finish{FinishReason::kStop, Usage{1, 2, 3}, std::nullopt}));
  EXPECT_EQ(finish.at("choices"), json::parse(R"([{"index":0,"delta":{},"logprobs":null,
                                                    "finish_reason":"stop"}])"));
  EXPECT_EQ(finish.at("usage"),
            json::parse(R"({"prompt_tokens":1,"completion_tokens":2,"total_tokens":3})"));
  auto no_usage =
      sse_payload(enc.encode(Finish{FinishReason::kLength, std::nullopt, std::nullopt}));
  EXPECT_FALSE(no_usage.contains("usage"));
  EXPECT_EQ(no_usage.at("choices").at(0).at("finish_reason").as_string(), "length");

  std::string usage_event;
  enc.usage_chunk_into(Usage{24, 9, 33}, usage_event);
  auto usage = sse_payload(usage_event);
  EXPECT_EQ(usage, json::parse(R"({"id":"c","object":"chat.completion.chunk","created":1,
      "model":"m","choices":[],"usage":{"prompt_tokens":24,"completion_tokens":9,
      "total_tokens":33}})"));
  EXPECT_EQ(ChunkEncoder::done(), "data: [DONE]\n\n");
}

TEST(ChunkEncoderTest, EscapesIdModelAndText) {
  ChunkEncoder enc("id\"1", "model\\x", 1);
  auto p = sse_payload(enc.encode(TextDelta{"line1\nline2\r\n\t\x01 \"q\" 👋"}));
  EXPECT_EQ(p.at("id").as_string(), "id\"1");
  EXPECT_EQ(p.at("model").as_string(), "model\\x");
  EXPECT_EQ(p.at("choices").at(0).at("delta").at("content").as_string(),
            "line1\nline2\r\n\t\x01 \"q\" 👋");
  // One SSE event: the JSON itself never contains a raw newline.
  const std::string raw = enc.encode(TextDelta{"a\nb"});
  EXPECT_EQ(raw.find('\n'), raw.size() - 2);
}

TEST(ChunkEncoderTest, EncodedStreamDecodesBackToTheSameParts) {
  ChunkEncoder enc("chatcmpl-x", "m", 7);
  std::string stream;
  stream += enc.encode(ReasoningDelta{"plan"});
  stream += enc.encode(TextDelta{"Hello"});
  stream += enc.encode(ToolCallDelta{0, "call_1", "f", "{\"a\""});
  stream += enc.encode(ToolCallDelta{0, "", "", ":1}"});
  stream += enc.encode(Finish{FinishReason::kToolCalls, std::nullopt, std::nullopt});
  enc.usage_chunk_into(Usage{1, 2, 3}, stream);  // appended after the finish chunk
  stream += ChunkEncoder::done();
  auto s = testing::assemble(stream, "roci");
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.reasoning, "plan");
  EXPECT_EQ(s.text, "Hello");
  EXPECT_EQ(s.tool_calls.at(0), (ToolCall{"call_1", "f", "{\"a\":1}"}));
  EXPECT_EQ(s.finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(s.usage, (Usage{1, 2, 3}));
  EXPECT_TRUE(s.saw_done);
}

TEST(ErrorEncodingTest, SseErrorAndErrorBody) {
  auto sse = sse_payload(
      encode_sse_error("LM Studio reported an error mid-stream: boom", "api_error", ""));
  EXPECT_EQ(sse, json::parse(R"({"error":{"message":"LM Studio reported an error mid-stream: boom",
                                 "type":"api_error","param":null,"code":null}})"));
  auto timeout = sse_payload(encode_sse_error("slow", "api_error", "timeout"));
  EXPECT_EQ(timeout.at("error").at("code").as_string(), "timeout");

  auto body = json::parse(encode_error_body("temperature must be a number between 0 and 2, got 3.5",
                                            "invalid_request_error", "temperature", ""));
  EXPECT_EQ(body, json::parse(R"({"error":{"message":
      "temperature must be a number between 0 and 2, got 3.5","type":"invalid_request_error",
      "param":"temperature","code":null}})"));
  auto missing = json::parse(encode_error_body("Model \"x\" not found", "invalid_request_error",
                                               "model", "model_not_found", {"a", "b"}));
  EXPECT_EQ(missing.at("error").at("available_models"), json::parse(R"(["a","b"])"));
  EXPECT_EQ(missing.at("error").at("code").as_string(), "model_not_found");
}

TEST(ModelEncodingTest, PlainAndLmStudioDetails) {
  ModelInfo plain{.id = "qwen/qwen3.5-9b", .owned_by = "organization_owner"};
  EXPECT_EQ(json::parse(encode_model(plain)),
            json::parse(R"({"id":"qwen/qwen3.5-9b","object":"model","created":0,
                            "owned_by":"organization_owner"})"));
  ModelInfo rich{.id = "qwen2.5-7b-instruct",
                 .created = 5,
                 .type = "llm",
                 .state = "loaded",
                 .max_context_length = 32768,
                 .loaded_context_length = 4096,
                 .capabilities = {"tool_use"},
                 .publisher = "lmstudio-community",
                 .arch = "qwen2",
                 .quantization = "Q4_K_M"};
  auto list = json::parse(encode_model_list({plain, rich})).as_object();
  EXPECT_EQ(list.at("object").as_string(), "list");
  ASSERT_EQ(list.at("data").as_array().size(), 2u);
  EXPECT_EQ(list.at("data").at(1), json::parse(R"({"id":"qwen2.5-7b-instruct","object":"model",
      "created":5,"owned_by":"organization_owner","type":"llm","state":"loaded",
      "max_context_length":32768,"loaded_context_length":4096,"capabilities":["tool_use"],
      "publisher":"lmstudio-community","arch":"qwen2","quantization":"Q4_K_M"})"));
  EXPECT_EQ(json::parse(encode_model_list({})), json::parse(R"({"object":"list","data":[]})"));
}

TEST(EmbeddingAndCompletionEncodingTest, OpenAiShapes) {
  EmbeddingResult e{.model = "nomic", .embeddings = {{0.5, -1.0, 1e-7}, {}}, .usage = {4, 0, 4}};
  EXPECT_EQ(json::parse(encode_embedding_response(e)), json::parse(R"({"object":"list","data":[
      {"object":"embedding","index":0,"embedding":[0.5,-1.0,1e-7]},
      {"object":"embedding","index":1,"embedding":[]}],"model":"nomic",
      "usage":{"prompt_tokens":4,"total_tokens":4}})"));

  CompletionResult c{.id = "cmpl-1",
                     .model = "granite",
                     .created = 9,
                     .choices = {{" text", FinishReason::kLength}},
                     .usage = Usage{1, 2, 3}};
  EXPECT_EQ(json::parse(encode_completion_response(c)), json::parse(R"({"id":"cmpl-1",
      "object":"text_completion","created":9,"model":"granite","choices":[{"text":" text",
      "index":0,"logprobs":null,"finish_reason":"length"}],
      "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})"));
}

TEST(NewCompletionIdTest, PrefixAnd24Base36Characters) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_completion_id();
    ASSERT_TRUE(id.starts_with("chatcmpl-"));
    ASSERT_EQ(id.size(), 9u + 24u);
    for (char c : id.substr(9)) {
      ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) << id;
    }
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_TRUE(new_completion_id("cmpl-").starts_with("cmpl-"));
}

}  // namespace
}  // namespace roci::openai_wire

namespace roci::openai_wire {
namespace {

// encode_into appends exactly what encode returns, and keeps the encoder's state (the role goes on
// the first chunk only) the same way: a batch of events is their concatenation.
// A plain delta (choice 0 after the role, no logprobs) has a path of its own: byte for byte what
// the general path writes, which the first chunk shows (the same bytes, with the role).
TEST(ChunkEncoderTest, APlainDeltaIsTheGeneralPathsBytes) {
  for (const std::string& text : std::vector<std::string>{
           "", "Hello", " upon a \"time\"\n", "\x01\\ 👋 é", std::string(300, 'x') + "\t"}) {
    SCOPED_TRACE(text);
    ChunkEncoder enc("chatcmpl-\"content\":\"\"", "m\\\"content\":", 7);
    std::string general = enc.encode(TextDelta{text});
    const std::string role = R"("role":"assistant",)";
    ASSERT_NE(general.find(role), std::string::npos);
    general.erase(general.find(role), role.size());
    EXPECT_EQ(enc.encode(TextDelta{text}), general);
    EXPECT_EQ(sse_payload(enc.encode(TextDelta{text})).at("choices").at(0).at("delta"),
              json::parse(R"({"content":)" + json::serialize(json::string(text)) + "}"));
  }
}

TEST(ChunkEncoderTest, EncodeIntoAppendsWhatEncodeGives) {
  ChunkEncoder one("chatcmpl-1", "m", 7);
  ChunkEncoder batched("chatcmpl-1", "m", 7);
  const std::vector<StreamPart> parts = {
      TextDelta{"Hel"}, ReasoningDelta{"hm"}, TextDelta{"lo \"x\""},
      ToolCallDelta{0, "c", "f", "{}"},
      Finish{.reason = FinishReason::kStop, .usage = Usage{1, 2, 3}}};
  std::string expected;
  std::string batch = "queued before: ";
  for (const auto& part : parts) {
    expected += one.encode(part);
    batched.encode_into(part, batch);
  }
  EXPECT_EQ(batch, "queued before: " + expected);
  EXPECT_EQ(expected.find("\"role\""), expected.rfind("\"role\""))
      << "one role, on the first chunk";
}

}  // namespace
}  // namespace roci::openai_wire
