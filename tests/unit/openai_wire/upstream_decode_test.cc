// Decoders over hand-written edge cases; fixtures_test.cc runs them over recorded shapes.
#include <gtest/gtest.h>

#include "openai_wire/upstream_codec.h"

namespace roci::openai_wire {
namespace {

constexpr std::string_view kLmStudio = "LM Studio";

TEST(DecodeChatResponseTest, ContentMayBeNullOrMissing) {
  for (
      std::string_view body :
      {R"({"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"stop"}]})",
       R"({"choices":[{"index":0,"message":{"role":"assistant"},"finish_reason":"stop"}]})"}) {
    auto r = decode_chat_response(body, kLmStudio);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->text, "");
    EXPECT_EQ(r->finish_reason, FinishReason::kStop);
    EXPECT_FALSE(r->usage);
  }
}

TEST(DecodeChatResponseTest, ContentPartsArrayIsFlattenedToText) {
  auto r = decode_chat_response(R"({"choices":[{"message":{"content":[
      {"type":"text","text":"Hello"},{"type":"text","text":" world"}]},"finish_reason":"stop"}]})",
                                kLmStudio);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Hello world");
}

TEST(DecodeChatResponseTest, ReadsReasoningFromEitherField) {
  auto a = decode_chat_response(
      R"({"choices":[{"message":{"content":"4","reasoning_content":"2+2"},"finish_reason":"stop"}]})",
      kLmStudio);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->reasoning, "2+2");
  auto b = decode_chat_response(
      R"({"choices":[{"message":{"content":"4","reasoning":"adding"},"finish_reason":"stop"}]})",
      kLmStudio);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->reasoning, "adding");
}

TEST(DecodeChatResponseTest, NumericToolCallIdsBecomeStrings) {
  auto r = decode_chat_response(R"({"choices":[{"message":{"tool_calls":[
      {"id":365174485,"type":"function","function":{"name":"f","arguments":"{}"}},
      {"id":"call_abc","type":"function","function":{"name":"g","arguments":{"x":1}}}]},
      "finish_reason":null}]})",
                                kLmStudio);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->tool_calls.size(), 2u);
  EXPECT_EQ(r->tool_calls[0], (ToolCall{"365174485", "f", "{}"}));
  EXPECT_EQ(r->tool_calls[1], (ToolCall{"call_abc", "g", R"({"x":1})"}));
  EXPECT_EQ(r->finish_reason, FinishReason::kToolCalls);  // inferred when finish_reason is null
}

TEST(DecodeChatResponseTest, MalformedBodiesAreUpstreamErrors) {
  for (std::string_view body : {"", "not json", "[1,2]", "{}", R"({"choices":[]})",
                                R"({"choices":[{"index":0}]})", R"({"choices":"x"})"}) {
    auto r = decode_chat_response(body, kLmStudio);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().kind, ErrorKind::kUpstreamError) << body;
    EXPECT_NE(r.error().message.find("from LM Studio"), std::string::npos) << r.error().message;
  }
}

TEST(DecodeChatResponseTest, AnErrorBodyWithStatus200IsAnError) {
  auto r =
      decode_chat_response(R"j({"error":"Unexpected endpoint or method. (POST /x)"})j", kLmStudio);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(r.error().upstream_status, 200);
  // `"error": null` is not an error.
  EXPECT_TRUE(decode_chat_response(
      R"({"error":null,"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]})",
      kLmStudio));
}

TEST(DecodeChatChunkTest, DecodesDeltasInOrder) {
  auto c = decode_chat_chunk(R"({"id":"chatcmpl-1","model":"m","created":5,"choices":[{"index":0,
      "delta":{"role":"assistant","reasoning_content":"hmm","content":"Hi"},"finish_reason":null}]})",
                             kLmStudio);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->info.id, "chatcmpl-1");
  EXPECT_EQ(c->info.model, "m");
  EXPECT_EQ(c->info.created, 5);
  ASSERT_EQ(c->parts.size(), 2u);
  EXPECT_EQ(std::get<ReasoningDelta>(c->parts[0]).text, "hmm");
  EXPECT_EQ(std::get<TextDelta>(c->parts[1]).text, "Hi");
  EXPECT_FALSE(c->finish_reason);
}

TEST(DecodeChatResponseTest, EveryChoiceOfAnNAnswerIsKeptInIndexOrder) {
  auto r = decode_chat_response(R"({"id":"c","choices":[
      {"index":2,"message":{"role":"assistant","content":"third"},"finish_reason":"length"},
      {"index":0,"message":{"role":"assistant","content":"first"},"finish_reason":"stop"},
      {"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1",
       "type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],
      "usage":{"prompt_tokens":1,"completion_tokens":9,"total_tokens":10}})",
                                kLmStudio);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "first");
  EXPECT_EQ(r->finish_reason, FinishReason::kStop);
  ASSERT_EQ(r->other_choices.size(), 2u);
  EXPECT_EQ(r->other_choices[0].index, 1);
  EXPECT_EQ(r->other_choices[0].tool_calls, (std::vector<ToolCall>{{"call_1", "f", "{}"}}));
  EXPECT_EQ(r->other_choices[0].finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(r->other_choices[1].index, 2);
  EXPECT_EQ(r->other_choices[1].text, "third");
  EXPECT_EQ(r->other_choices[1].finish_reason, FinishReason::kLength);
  EXPECT_EQ(r->usage->completion_tokens, 9);

  auto bad = decode_chat_response(
      R"({"choices":[{"index":0,"message":{"content":"a"}},{"index":1,"finish_reason":"stop"}]})",
      kLmStudio);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kUpstreamError);
}

TEST(DecodeChatChunkTest, ChoicesOfAnNStreamKeepTheirIndex) {
  auto c = decode_chat_chunk(R"({"id":"c","choices":[{"index":1,"delta":{"content":"b"},
      "finish_reason":null}]})",
                             kLmStudio);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->parts.size(), 1u);
  EXPECT_EQ(std::get<TextDelta>(c->parts[0]).text, "b");
  EXPECT_EQ(std::get<TextDelta>(c->parts[0]).choice, 1);

  auto both = decode_chat_chunk(R"({"choices":[
      {"index":0,"delta":{"reasoning_content":"r"},"finish_reason":"stop"},
      {"index":3,"delta":{"tool_calls":[{"index":0,"id":"t","function":{"name":"f"}}]},
       "finish_reason":"tool_calls"}]})",
                                kLmStudio);
  ASSERT_TRUE(both) << both.error().message;
  ASSERT_EQ(both->parts.size(), 2u);
  EXPECT_EQ(std::get<ReasoningDelta>(both->parts[0]).choice, 0);
  EXPECT_EQ(std::get<ToolCallDelta>(both->parts[1]).choice, 3);
  EXPECT_EQ(both->finish_reason, FinishReason::kStop);
  EXPECT_EQ(both->other_finishes,
            (std::vector<ChoiceFinish>{{.choice = 3, .reason = FinishReason::kToolCalls}}));
}

TEST(DecodeChatChunkTest, RoleOnlyAndEmptyContentGiveNoParts) {
  for (std::string_view data :
       {R"({"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]})",
        R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})",
        R"({"choices":[{"index":0,"delta":{}}]})"}) {
    auto c = decode_chat_chunk(data, kLmStudio);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->parts.empty()) << data;
  }
}

TEST(DecodeChatChunkTest, ToolCallDeltaIdsMayBeStringNumberOrNull) {
  auto c = decode_chat_chunk(R"({"choices":[{"index":0,"delta":{"tool_calls":[
      {"index":0,"id":"365174485","type":"function","function":{"name":"f","arguments":""}},
      {"index":1,"id":42,"function":{"name":"g"}},
      {"index":0,"id":null,"type":null,"function":{"name":null,"arguments":"{\"a\""}},
      {"function":{"arguments":":1}"}}]}}]})",
                             kLmStudio);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->parts.size(), 4u);
  const auto& a = std::get<ToolCallDelta>(c->parts[0]);
  EXPECT_EQ(a.index, 0);
  EXPECT_EQ(a.id, "365174485");
  EXPECT_EQ(a.name, "f");
  const auto& b = std::get<ToolCallDelta>(c->parts[1]);
  EXPECT_EQ(b.index, 1);
  EXPECT_EQ(b.id, "42");
  EXPECT_EQ(b.arguments, "");
  const auto& frag = std::get<ToolCallDelta>(c->parts[2]);
  EXPECT_EQ(frag.id, "");
  EXPECT_EQ(frag.name, "");
  EXPECT_EQ(frag.arguments, "{\"a\"");
  EXPECT_EQ(std::get<ToolCallDelta>(c->parts[3]).index, 3);  // no index: its position
}

TEST(DecodeChatChunkTest, UsageOnTheFinishChunkOrATrailingChunk) {
  auto finish = decode_chat_chunk(R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}],
      "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})",
                                  kLmStudio);
  ASSERT_TRUE(finish);
  EXPECT_EQ(finish->finish_reason, FinishReason::kLength);
  EXPECT_EQ(finish->usage, (Usage{3, 4, 7}));

  auto trailing = decode_chat_chunk(
      R"({"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}})", kLmStudio);
  ASSERT_TRUE(trailing);
  EXPECT_TRUE(trailing->parts.empty());
  EXPECT_FALSE(trailing->finish_reason);
  EXPECT_EQ(trailing->usage, (Usage{3, 4, 7}));  // total computed when missing

  auto null_usage =
      decode_chat_chunk(R"({"choices":[{"delta":{"content":"a"}}],"usage":null})", kLmStudio);
  ASSERT_TRUE(null_usage);
  EXPECT_FALSE(null_usage->usage);
}

TEST(DecodeChatChunkTest, LlamaCppTimingsBecomeStats) {
  auto c = decode_chat_chunk(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],
      "timings":{"prompt_n":15,"prompt_ms":250.0,"predicted_n":10,"predicted_ms":500.0,
                 "predicted_per_second":20.0}})",
                             "llama.cpp");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->stats);
  EXPECT_DOUBLE_EQ(*c->stats->tokens_per_second, 20.0);
  EXPECT_DOUBLE_EQ(*c->stats->time_to_first_token, 0.25);
  EXPECT_DOUBLE_EQ(*c->stats->generation_time, 0.5);
  EXPECT_EQ(c->stats->raw.at("prompt_n").as_int64(), 15);
  // Decoded in a buffer on decode_chat_chunk's stack: the kept block is a heap copy that
  // survives the next decode reusing that frame.
  ASSERT_TRUE(decode_chat_chunk(R"({"choices":[{"delta":{"content":"overwrite the frame"}}]})",
                                "llama.cpp"));
  EXPECT_EQ(c->stats->raw.storage().get(), boost::json::storage_ptr().get());
  EXPECT_EQ(c->stats->raw.at("predicted_ms").as_double(), 500.0);
}

TEST(DecodeChatChunkTest, ErrorPayloadsAreErrors) {
  for (std::string_view data :
       {R"({"error":{"message":"Compute error."},"message":"Compute error."})",
        R"({"error":{"code":500,"message":"Compute error.","type":"server_error"}})",
        R"({"error":"Compute error."})"}) {
    auto c = decode_chat_chunk(data, kLmStudio);
    ASSERT_FALSE(c) << data;
    EXPECT_EQ(c.error().kind, ErrorKind::kUpstreamError);
    EXPECT_EQ(c.error().message, "LM Studio reported an error mid-stream: Compute error.");
  }
}

TEST(DecodeChatChunkTest, MalformedChunksAreUpstreamErrors) {
  for (std::string_view data :
       {"{", "[DONE", "42", R"({"choices":[{"delta":{"tool_calls":[1]}}]})"}) {
    auto c = decode_chat_chunk(data, kLmStudio);
    ASSERT_FALSE(c) << data;
    EXPECT_EQ(c.error().kind, ErrorKind::kUpstreamError);
  }
}

TEST(DecodeModelListTest, ReadsLmStudioApiV1Models) {
  auto models = decode_model_list(R"({"models":[{"type":"llm","publisher":"google",
      "key":"google/gemma-4-26b-a4b","architecture":"gemma4",
      "quantization":{"name":"Q4_K_M","bits_per_weight":4},
      "loaded_instances":[{"id":"google/gemma-4-26b-a4b","config":{"context_length":4096}}],
      "max_context_length":262144,"format":"gguf",
      "capabilities":{"vision":true,"trained_for_tool_use":true}},
      {"type":"embedding","key":"nomic-embed","loaded_instances":[],"max_context_length":2048}]})",
                                  kLmStudio);
  ASSERT_TRUE(models) << models.error().message;
  ASSERT_EQ(models->size(), 2u);
  const auto& g = (*models)[0];
  EXPECT_EQ(g.id, "google/gemma-4-26b-a4b");
  EXPECT_EQ(g.state, "loaded");
  EXPECT_EQ(g.loaded_context_length, 4096);
  EXPECT_EQ(g.max_context_length, 262144);
  EXPECT_EQ(g.quantization, "Q4_K_M");
  EXPECT_EQ(g.arch, "gemma4");
  EXPECT_EQ(g.capabilities, (std::vector<std::string>{"vision", "tool_use"}));
  EXPECT_EQ((*models)[1].type, "embeddings");
  EXPECT_EQ((*models)[1].state, "not-loaded");
}

TEST(DecodeModelListTest, RejectsBodiesWithoutAList) {
  EXPECT_FALSE(decode_model_list(R"({"object":"list"})", kLmStudio));
  EXPECT_FALSE(decode_model_list(R"({"data":{}})", kLmStudio));
  auto err = decode_model_list(R"j({"error":"Unexpected endpoint or method. (GET /v1/modelz)"})j",
                               kLmStudio);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, "upstream_endpoint_not_found");
}

TEST(DecodeEmbeddingResponseTest, OrdersByIndexAndDecodesBase64) {
  // 1.0f = 0x3f800000, -2.0f = 0xc0000000, little-endian: AACAPwAAAMA=
  auto r = decode_embedding_response(R"({"data":[
      {"object":"embedding","embedding":"AACAPwAAAMA=","index":1},
      {"object":"embedding","embedding":[0.5,-1,2],"index":0}],
      "model":"m","usage":{"prompt_tokens":4,"total_tokens":4}})",
                                     kLmStudio);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->embeddings.size(), 2u);
  EXPECT_EQ(r->embeddings[0], (std::vector<double>{0.5, -1, 2}));
  EXPECT_EQ(r->embeddings[1], (std::vector<double>{1.0, -2.0}));
  EXPECT_EQ(r->usage, (Usage{4, 0, 4}));
  EXPECT_FALSE(decode_embedding_response(R"({"data":[{"embedding":["x"]}]})", kLmStudio));
  EXPECT_FALSE(decode_embedding_response(R"({"data":[{"embedding":"!!"}]})", kLmStudio));
}

}  // namespace
}  // namespace roci::openai_wire
