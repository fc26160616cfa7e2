// The decoders and the error classifier over every recorded fixture in tests/support/fixtures.
#include <gtest/gtest.h>

#include <set>

#include "openai_wire/upstream_codec.h"
#include "test_util.h"

namespace roci::openai_wire {
namespace {

using testing::assemble;
using testing::read_fixture;

TEST(StreamFixturesTest, LmStudioBasic) {
  auto s = assemble(read_fixture("lmstudio/stream_basic.sse"));
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.text, "Hello! How can I help you today?");
  EXPECT_EQ(s.text_deltas, 9);  // role and content arrive together in the first chunk
  EXPECT_EQ(s.info.id, "chatcmpl-8z2x0q5kx3v7h1m9p4c6d");
  EXPECT_EQ(s.info.model, "qwen2.5-7b-instruct");
  EXPECT_EQ(s.info.system_fingerprint, "qwen2.5-7b-instruct");
  EXPECT_EQ(s.finish_reason, FinishReason::kStop);
  EXPECT_EQ(s.usage, (Usage{24, 9, 33}));  // from the trailing "choices": [] chunk
  EXPECT_TRUE(s.saw_done);
}

TEST(StreamFixturesTest, LmStudioToolCall) {
  auto s = assemble(read_fixture("lmstudio/stream_tool_call.sse"));
  ASSERT_FALSE(s.error) << s.error->message;
  ASSERT_EQ(s.tool_calls.size(), 1u);
  const ToolCall& call = s.tool_calls.at(0);
  EXPECT_EQ(call.id, "365174485");
  EXPECT_EQ(call.name, "search_products");
  EXPECT_EQ(call.arguments, R"({"query":"dell laptop","limit":5})");
  EXPECT_NO_THROW(boost::json::parse(call.arguments));
  EXPECT_EQ(s.text, "");
  EXPECT_EQ(s.finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(s.usage, (Usage{187, 28, 215}));
}

TEST(StreamFixturesTest, LmStudioParallelTools) {
  auto s = assemble(read_fixture("lmstudio/stream_parallel_tools.sse"));
  ASSERT_FALSE(s.error) << s.error->message;
  ASSERT_EQ(s.tool_calls.size(), 2u);
  EXPECT_EQ(s.tool_calls.at(0), (ToolCall{"728123905", "get_weather", R"({"city":"Paris"})"}));
  EXPECT_EQ(s.tool_calls.at(1), (ToolCall{"728123906", "get_weather", R"({"city":"Tokyo"})"}));
  EXPECT_EQ(s.tool_call_order, (std::vector<std::string>{"728123905", "728123906"}));
  EXPECT_EQ(s.finish_reason, FinishReason::kToolCalls);
}

TEST(StreamFixturesTest, LmStudioReasoningContent) {
  auto s = assemble(read_fixture("lmstudio/stream_reasoning_content.sse"));
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.reasoning, "Okay, the user asks for 2+2. That is 4.");
  EXPECT_EQ(s.text, "2 + 2 = 4.");
  EXPECT_EQ(s.usage, (Usage{12, 20, 32}));
}

TEST(StreamFixturesTest, LmStudioGptOssReasoning) {
  auto s = assemble(read_fixture("lmstudio/stream_gpt_oss_reasoning.sse"));
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.reasoning, "The user says hi. Respond briefly.");
  EXPECT_EQ(s.text, "Hi there!");
  EXPECT_EQ(s.info.model, "openai/gpt-oss-20b");
}

TEST(StreamFixturesTest, LmStudioErrorEvent) {
  auto s = assemble(read_fixture("lmstudio/stream_error_event.sse"));
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(s.error->message, "LM Studio reported an error mid-stream: Compute error.");
  EXPECT_EQ(s.text, "Once upon");  // what arrived before the failure
  EXPECT_FALSE(s.saw_done);
}

TEST(StreamFixturesTest, LmStudioEveryChunkHasRole) {
  auto s = assemble(read_fixture("lmstudio/stream_every_chunk_has_role.sse"));
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.text, "The sky is blue.");
  EXPECT_EQ(s.finish_reason, FinishReason::kStop);
  EXPECT_FALSE(s.usage);  // 0.3.9 predates include_usage
}

TEST(StreamFixturesTest, LlamaCppBasic) {
  auto s = assemble(read_fixture("llamacpp/stream_basic.sse"), "llama.cpp");
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.text, "Hi there! 👋");
  EXPECT_EQ(s.text_deltas, 4);  // the role-only first chunk carries no text
  EXPECT_EQ(s.info.system_fingerprint, "b6097-9515c613");
  EXPECT_EQ(s.finish_reason, FinishReason::kStop);
  EXPECT_EQ(s.usage, (Usage{15, 4, 19}));
  ASSERT_TRUE(s.stats);
  EXPECT_DOUBLE_EQ(*s.stats->tokens_per_second, 50.0);
  EXPECT_DOUBLE_EQ(*s.stats->time_to_first_token, 0.1125);
  EXPECT_DOUBLE_EQ(*s.stats->generation_time, 0.08);
  EXPECT_TRUE(s.saw_done);  // "data: [DONE]" without a blank line, flushed by finish()
}

TEST(StreamFixturesTest, OpenAiBasicWithCrlf) {
  auto s = assemble(read_fixture("openai/stream_basic.sse"), "OpenAI");
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.text, "Hello! How can I assist you today?");
  EXPECT_EQ(s.usage, (Usage{19, 10, 29}));
  EXPECT_EQ(s.info.system_fingerprint, "fp_06737a9306");
}

TEST(StreamFixturesTest, OpenAiLogprobsKeptPerDelta) {
  auto s = assemble(read_fixture("openai/stream_logprobs.sse"), "OpenAI");
  ASSERT_FALSE(s.error) << s.error->message;
  EXPECT_EQ(s.text, "Hello!");
  // The first chunk's empty content still carries its (empty) logprobs object; the finish
  // chunk's null is none.
  ASSERT_EQ(s.logprobs.size(), 3u);
  EXPECT_EQ(s.logprobs[0], boost::json::parse(R"({"content":[],"refusal":null})"));
  EXPECT_EQ(s.logprobs[1].at("content").at(0).at("token"), "Hello");
  EXPECT_EQ(s.logprobs[1].at("content").at(0).at("logprob"), -0.31725305);
  EXPECT_EQ(s.logprobs[2].at("content").at(0).at("bytes"), boost::json::parse("[33]"));
}

TEST(StreamFixturesTest, EveryStreamFixtureIsCovered) {
  const std::set<std::string> covered{"llamacpp/stream_basic.sse",
                                      "lmstudio/stream_basic.sse",
                                      "lmstudio/stream_error_event.sse",
                                      "lmstudio/stream_every_chunk_has_role.sse",
                                      "lmstudio/stream_gpt_oss_reasoning.sse",
                                      "lmstudio/stream_parallel_tools.sse",
                                      "lmstudio/stream_reasoning_content.sse",
                                      "lmstudio/stream_tool_call.sse",
                                      "openai/stream_basic.sse",
                                      "openai/stream_logprobs.sse"};
  for (const auto& f : testing::fixtures_with_suffix(".sse")) {
    EXPECT_TRUE(covered.count(f)) << f << " has no typed assertions";
    auto s = assemble(read_fixture(f));
    EXPECT_GT(s.chunks, 0) << f;
  }
}

TEST(ResponseFixturesTest, LmStudioChatResponse) {
  auto r = decode_chat_response(read_fixture("lmstudio/chat_response.json"), "LM Studio");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "The capital of France is Paris.");
  EXPECT_EQ(r->id, "chatcmpl-i3gkjwthhw96whukek9tz");
  EXPECT_EQ(r->model, "granite-3.0-2b-instruct");
  EXPECT_EQ(r->created, 1731990317);
  EXPECT_EQ(r->system_fingerprint, "granite-3.0-2b-instruct");
  EXPECT_EQ(r->finish_reason, FinishReason::kStop);
  EXPECT_EQ(r->usage, (Usage{24, 53, 77}));
  EXPECT_FALSE(r->stats);
}

TEST(ResponseFixturesTest, OpenAiLogprobsKeptUntouched) {
  const auto body = read_fixture("openai/chat_response_logprobs.json");
  auto r = decode_chat_response(body, "OpenAI");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Hello!");
  EXPECT_EQ(r->logprobs, boost::json::parse(body).at("choices").at(0).at("logprobs"));
}

TEST(ResponseFixturesTest, LmStudioLogprobsNullIsNone) {
  auto r = decode_chat_response(read_fixture("lmstudio/chat_response.json"), "LM Studio");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->logprobs.is_null());
}

TEST(ResponseFixturesTest, LmStudioToolCallsWithoutContentKey) {
  auto r =
      decode_chat_response(read_fixture("lmstudio/chat_response_tool_calls.json"), "LM Studio");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "");
  ASSERT_EQ(r->tool_calls.size(), 1u);
  EXPECT_EQ(r->tool_calls[0].id, "365174485");
  EXPECT_EQ(r->tool_calls[0].name, "search_products");
  EXPECT_EQ(boost::json::parse(r->tool_calls[0].arguments).at("query").as_string(), "dell");
  EXPECT_EQ(r->finish_reason, FinishReason::kToolCalls);
}

TEST(ResponseFixturesTest, LmStudioApiV0Stats) {
  auto r =
      decode_chat_response(read_fixture("lmstudio/chat_response_api_v0_stats.json"), "LM Studio");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->stats);
  EXPECT_NEAR(*r->stats->tokens_per_second, 51.437, 1e-3);
  EXPECT_DOUBLE_EQ(*r->stats->time_to_first_token, 0.111);
  EXPECT_DOUBLE_EQ(*r->stats->generation_time, 0.954);
  EXPECT_EQ(r->stats->stop_reason, "eosFound");
  EXPECT_TRUE(r->stats->raw.contains("tokens_per_second"));
}

TEST(ResponseFixturesTest, LlamaCppTimings) {
  auto r = decode_chat_response(read_fixture("llamacpp/chat_response_timings.json"), "llama.cpp");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Hello! How can I help you today?");
  ASSERT_TRUE(r->stats);
  EXPECT_DOUBLE_EQ(*r->stats->tokens_per_second, 20.0);
  EXPECT_DOUBLE_EQ(*r->stats->time_to_first_token, 0.25);
  EXPECT_DOUBLE_EQ(*r->stats->generation_time, 0.5);
  EXPECT_EQ(r->system_fingerprint, "b6097-9515c613");
}

TEST(ResponseFixturesTest, OpenAiChatResponse) {
  auto r = decode_chat_response(read_fixture("openai/chat_response.json"), "OpenAI");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Hello! How can I assist you today?");
  EXPECT_EQ(r->usage, (Usage{19, 10, 29}));
  EXPECT_EQ(r->model, "gpt-4o-mini-2024-07-18");
}

TEST(ResponseFixturesTest, ModelLists) {
  auto v1 = decode_model_list(read_fixture("lmstudio/models_v1.json"), "LM Studio");
  ASSERT_TRUE(v1) << v1.error().message;
  ASSERT_EQ(v1->size(), 5u);
  EXPECT_EQ((*v1)[0].id, "qwen/qwen3.5-9b");
  EXPECT_EQ((*v1)[0].owned_by, "organization_owner");
  EXPECT_EQ((*v1)[0].created, 0);
  EXPECT_EQ((*v1)[2].id, "glm-4.7-flash@mxfp4");
  EXPECT_EQ((*v1)[3].id, "gemma-3-1b-it-qat:2");
  EXPECT_EQ((*v1)[0].state, "");

  auto v0 = decode_model_list(read_fixture("lmstudio/models_api_v0.json"), "LM Studio");
  ASSERT_TRUE(v0) << v0.error().message;
  ASSERT_EQ(v0->size(), 3u);
  const ModelInfo& vlm = (*v0)[0];
  EXPECT_EQ(vlm.type, "vlm");
  EXPECT_EQ(vlm.state, "not-loaded");
  EXPECT_EQ(vlm.publisher, "mlx-community");
  EXPECT_EQ(vlm.arch, "qwen2_vl");
  EXPECT_EQ(vlm.quantization, "4bit");
  EXPECT_EQ(vlm.max_context_length, 32768);
  EXPECT_FALSE(vlm.loaded_context_length);
  const ModelInfo& llm = (*v0)[1];
  EXPECT_TRUE(llm.loaded());
  EXPECT_EQ(llm.loaded_context_length, 4096);
  EXPECT_EQ(llm.capabilities, (std::vector<std::string>{"tool_use"}));
  EXPECT_EQ((*v0)[2].type, "embeddings");

  auto llama = decode_model_list(read_fixture("llamacpp/models.json"), "llama.cpp");
  ASSERT_TRUE(llama) << llama.error().message;
  ASSERT_EQ(llama->size(), 1u);  // "data", not the Ollama-style "models"
  EXPECT_EQ((*llama)[0].id, "qwen2.5-7b-instruct-q4_k_m.gguf");
  EXPECT_EQ((*llama)[0].owned_by, "llamacpp");
  EXPECT_EQ((*llama)[0].created, 1754390000);
  EXPECT_EQ((*llama)[0].max_context_length, 32768);
  EXPECT_EQ((*llama)[0].loaded_context_length, 8192);
}

// The health probe reads LM Studio's greeting and, failing that, a model list: an old LM Studio
// answers 200 with {"error":"Unexpected endpoint..."} to every path, which is neither.
TEST(ResponseFixturesTest, GreetingAndWhatIsNotOne) {
  EXPECT_TRUE(decode_lmstudio_greeting(read_fixture("lmstudio/greeting.json")));
  const std::string unexpected = read_fixture("lmstudio/error_unexpected_endpoint.json");
  EXPECT_FALSE(decode_lmstudio_greeting(unexpected));
  EXPECT_FALSE(decode_model_list(unexpected, "LM Studio"));
  EXPECT_FALSE(decode_lmstudio_greeting(read_fixture("lmstudio/models_v1.json")));
  for (const char* other : {R"({"lmstudio":false})", R"({"lmstudio":"true"})", R"({"lmstudio":1})",
                            R"([{"lmstudio":true}])", "lmstudio", "", R"({"lmstudio":true)"}) {
    EXPECT_FALSE(decode_lmstudio_greeting(other)) << other;
  }
}

// llama-server's /health: ok only once its model is loaded (503 "Loading model" before).
TEST(ResponseFixturesTest, LlamaCppHealth) {
  EXPECT_TRUE(decode_llamacpp_health(R"({"status":"ok"})"));
  for (const char* other :
       {R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})",
        R"({"status":"loading"})", R"({"status":true})", R"(["ok"])", "ok", "",
        R"({"status":"ok")"}) {
    EXPECT_FALSE(decode_llamacpp_health(other)) << other;
  }
}

TEST(ResponseFixturesTest, EmbeddingsAndCompletions) {
  auto e = decode_embedding_response(read_fixture("lmstudio/embeddings.json"), "LM Studio");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->model, "text-embedding-nomic-embed-text-v1.5@q4_k_m");
  ASSERT_EQ(e->embeddings.size(), 1u);
  ASSERT_EQ(e->embeddings[0].size(), 4u);
  EXPECT_DOUBLE_EQ(e->embeddings[0][0], -0.016731496900320053);
  EXPECT_EQ(e->usage, (Usage{0, 0, 0}));

  auto c = decode_completion_response(read_fixture("lmstudio/completion.json"), "LM Studio");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->id, "cmpl-p9rtxv6fky2v9k8i6xqbb");
  ASSERT_EQ(c->choices.size(), 1u);
  EXPECT_EQ(c->choices[0].text, " to find the answer, one must first ask the right question");
  EXPECT_EQ(c->choices[0].finish_reason, FinishReason::kLength);
  EXPECT_EQ(c->usage, (Usage{5, 9, 14}));
}

struct ErrorFixture {
  std::string file;
  int status;
  ErrorKind kind;
  std::string param;
  std::string code;
  std::string message_prefix;
};

class ErrorFixtureTest : public ::testing::TestWithParam<ErrorFixture> {};

TEST_P(ErrorFixtureTest, Classifies) {
  const ErrorFixture& f = GetParam();
  const std::string body = read_fixture(f.file);
  const std::string upstream = f.file.starts_with("llamacpp/") ? "llama.cpp"
                               : f.file.starts_with("openai/") ? "OpenAI"
                                                               : "LM Studio";
  Error e = classify_upstream_error(f.status, body, upstream);
  EXPECT_EQ(e.kind, f.kind) << e.message;
  EXPECT_EQ(e.param, f.param);
  EXPECT_EQ(e.code, f.code);
  EXPECT_EQ(e.upstream_status, f.status);
  EXPECT_TRUE(e.message.starts_with(f.message_prefix)) << e.message;

  // The same body is recognised as an error whatever status it came with.
  auto detected = detect_error_body(f.status, body, upstream);
  ASSERT_TRUE(detected);
  EXPECT_EQ(*detected, e);
}

INSTANTIATE_TEST_SUITE_P(
    AllErrorFixtures, ErrorFixtureTest,
    ::testing::Values(
        ErrorFixture{"lmstudio/error_model_not_found.json", 404, ErrorKind::kModelNotFound, "model",
                     "model_not_found",
                     "LM Studio returned 404: Model \"default\" not found. Please specify a valid "
                     "model."},
        ErrorFixture{"lmstudio/error_no_models_loaded.json", 404, ErrorKind::kModelNotFound,
                     "model", "model_not_found", "LM Studio returned 404: No models loaded."},
        ErrorFixture{"lmstudio/error_json_object_rejected.json", 400, ErrorKind::kInvalidRequest,
                     "response_format", "",
                     "LM Studio returned 400: 'response_format.type' must be 'json_schema' or "
                     "'text'"},
        ErrorFixture{"lmstudio/error_unexpected_endpoint.json", 200, ErrorKind::kUpstreamError, "",
                     "upstream_endpoint_not_found",
                     "LM Studio returned 200 with an error body: Unexpected endpoint or method. "
                     "(POST /chat/completions)"},
        ErrorFixture{"lmstudio/error_context_overflow.json", 400, ErrorKind::kInvalidRequest,
                     "messages", "context_length_exceeded",
                     "LM Studio returned 400: The number of tokens to keep"},
        ErrorFixture{"lmstudio/error_auth_required.json", 401, ErrorKind::kUpstreamError, "",
                     "upstream_authentication_failed",
                     "LM Studio returned 401: An LM Studio API token is required"},
        ErrorFixture{"llamacpp/error_context_size.json", 400, ErrorKind::kInvalidRequest,
                     "messages", "context_length_exceeded",
                     "llama.cpp returned 400: request (13392 tokens) exceeds the available context "
                     "size (8192 tokens)"},
        ErrorFixture{"openai/error_invalid_api_key.json", 401, ErrorKind::kUpstreamError, "",
                     "upstream_authentication_failed",
                     "OpenAI returned 401: Incorrect API key provided"}),
    [](const ::testing::TestParamInfo<ErrorFixture>& info) {
      std::string name = info.param.file.substr(0, info.param.file.find('.'));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(ErrorFixturesTest, ModelNotFoundListsModels) {
  Error e = classify_upstream_error(404, read_fixture("lmstudio/error_model_not_found.json"),
                                    "LM Studio");
  EXPECT_EQ(e.available_models,
            (std::vector<std::string>{"gemma-3-27b-it-qat", "qwen2.5-7b-instruct",
                                      "text-embedding-nomic-embed-text-v1.5"}));
  EXPECT_EQ(e.message.find("Your models"), std::string::npos);
}

TEST(ErrorFixturesTest, EveryErrorFixtureIsClassified) {
  const std::set<std::string> covered{
      "lmstudio/error_model_not_found.json",      "lmstudio/error_no_models_loaded.json",
      "lmstudio/error_json_object_rejected.json", "lmstudio/error_unexpected_endpoint.json",
      "lmstudio/error_context_overflow.json",     "lmstudio/error_auth_required.json",
      "llamacpp/error_context_size.json",         "openai/error_invalid_api_key.json"};
  for (const auto& f : testing::fixtures_with_suffix(".json")) {
    if (f.find("/error_") == std::string::npos) continue;
    EXPECT_TRUE(covered.count(f)) << f << " is not in AllErrorFixtures";
  }
}

}  // namespace
}  // namespace roci::openai_wire

namespace roci::openai_wire {
namespace {

// Decoders are total: every truncation and byte flip of every fixture gives a value or an
// Error, never an exception or a crash.
TEST(DecoderTotalityTest, TruncatedAndCorruptedFixtures) {
  std::vector<std::string> inputs;
  for (const auto& f : testing::fixtures_with_suffix(".json")) inputs.push_back(read_fixture(f));
  for (const auto& f : testing::fixtures_with_suffix(".sse")) {
    for (const auto& ev : testing::parse_whole(read_fixture(f)).events) inputs.push_back(ev.data);
  }
  std::uint32_t seed = 7;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  auto check = [](std::string_view body) {
    EXPECT_NO_THROW({
      (void)decode_chat_response(body, "LM Studio");
      (void)decode_chat_chunk(body, "LM Studio");
      (void)decode_model_list(body, "LM Studio");
      (void)decode_embedding_response(body, "LM Studio");
      (void)decode_completion_response(body, "LM Studio");
      (void)classify_upstream_error(500, body, "LM Studio");
      (void)detect_error_body(200, body, "LM Studio");
    });
  };
  for (const auto& input : inputs) {
    for (std::size_t cut = 0; cut < input.size(); cut += 1 + input.size() / 64) {
      check(std::string_view(input).substr(0, cut));
    }
    for (int i = 0; i < 16; ++i) {
      std::string corrupted = input;
      corrupted[next() % corrupted.size()] = static_cast<char>(next() & 0xFF);
      check(corrupted);
    }
  }
}

}  // namespace
}  // namespace roci::openai_wire
