// Stream shapes of the three fakes, byte for byte once ids and timestamps are normalised.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <regex>

#include "support/fake_upstream.h"
#include "support/test_http_client.h"

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// Replaces random ids and timestamps with fixed ones.
std::string normalise(std::string s) {
  s = std::regex_replace(s, std::regex(R"("id":"chatcmpl-[0-9A-Za-z]+")"), R"("id":"ID")");
  s = std::regex_replace(s, std::regex(R"("created":[0-9]+)"), R"("created":0)");
  s = std::regex_replace(s, std::regex(R"("system_fingerprint":"fp_[0-9a-f]+")"),
                         R"("system_fingerprint":"FP")");
  return s;
}

// Sends a streaming request; returns the chunk payloads of the raw chunked body.
std::vector<std::string> stream_chunks(FakeUpstream& fake, std::string_view path,
                                       const std::string& body, std::string* head = nullptr) {
  TestConnection client(fake.port());
  client.send_request("POST", std::string(path), body);
  const std::string raw = client.read_until("\r\n0\r\n\r\n", 2s);
  if (head) *head = raw.substr(0, raw.find("\r\n\r\n"));
  return parse_response(raw).chunks;
}

std::string join(const std::vector<std::string>& chunks) {
  std::string out;
  for (const auto& chunk : chunks) out += chunk;
  return out;
}

constexpr std::string_view kHelloStream =
    R"({"model":"llama3.3","stream":true,"messages":[{"role":"user","content":"hello world"}]})";
constexpr std::string_view kHelloStreamUsage =
    R"({"model":"llama3.3","stream":true,"stream_options":{"include_usage":true},)"
    R"("messages":[{"role":"user","content":"hello world"}]})";

std::string lm_chunk(std::string_view delta, std::string_view finish = "null") {
  return R"(data: {"id":"ID","object":"chat.completion.chunk","created":0,"model":"llama3.3",)"
         R"("system_fingerprint":"llama3.3","choices":[{"index":0,"delta":)" +
         std::string(delta) + R"(,"logprobs":null,"finish_reason":)" + std::string(finish) +
         "}]}\n\n";
}

TEST(FakeStreamTest, LmStudioStreamIsByteExactWithOneEventPerChunk) {
  FakeUpstream fake;
  std::string head;
  const auto chunks = stream_chunks(fake, "/v1/chat/completions", std::string(kHelloStream), &head);
  const std::vector<std::string> expected = {
      lm_chunk(R"({"role":"assistant","content":"Echo:"})"),
      lm_chunk(R"({"content":" hello"})"),
      lm_chunk(R"({"content":" world"})"),
      lm_chunk("{}", R"("stop")"),
      "data: [DONE]\n\n",
  };
  ASSERT_EQ(chunks.size(), expected.size()) << join(chunks);
  for (std::size_t i = 0; i < chunks.size(); ++i) EXPECT_EQ(normalise(chunks[i]), expected[i]);
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Powered-By: Express"), std::string::npos) << head;
}

TEST(FakeStreamTest, LmStudioUsageChunkOnlyWithIncludeUsage) {
  FakeUpstream fake;
  const auto chunks = stream_chunks(fake, "/v1/chat/completions", std::string(kHelloStreamUsage));
  ASSERT_EQ(chunks.size(), 6u);
  EXPECT_EQ(normalise(chunks[4]),
            R"(data: {"id":"ID","object":"chat.completion.chunk","created":0,"model":"llama3.3",)"
            R"("system_fingerprint":"llama3.3","choices":[],"usage":{"prompt_tokens":3,)"
            R"("completion_tokens":3,"total_tokens":6}})"
            "\n\n");
  EXPECT_EQ(chunks[5], "data: [DONE]\n\n");
  // /api/v0 streams carry no usage even when asked (BT#676).
  const auto v0 = stream_chunks(fake, "/api/v0/chat/completions", std::string(kHelloStreamUsage));
  EXPECT_EQ(v0.size(), 5u);
}

TEST(FakeStreamTest, LmStudioParallelToolCallFragments) {
  FakeUpstream fake;
  const std::string body =
      R"({"model":"llama3.3","stream":true,"tools":[{"type":"function","function":{"name":"f"}}],)"
      R"("messages":[{"role":"user","content":"call: f {\"a\":1}; g {\"bb\":22}"}]})";
  const auto chunks = stream_chunks(fake, "/v1/chat/completions", body);
  std::vector<json::object> deltas;
  std::string finish;
  for (const auto& chunk : chunks) {
    if (chunk == "data: [DONE]\n\n") continue;
    const auto value = json::parse(chunk.substr(6));
    const auto& choice = value.at("choices").as_array()[0];
    if (choice.at("finish_reason").is_string()) finish = choice.at("finish_reason").as_string();
    deltas.push_back(choice.at("delta").as_object());
  }
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_GE(deltas.size(), 5u);
  const auto& first = deltas[0];
  EXPECT_EQ(first.at("role"), "assistant");
  const auto& call0 = first.at("tool_calls").as_array()[0];
  EXPECT_EQ(call0.at("index"), 0);
  EXPECT_TRUE(std::regex_match(std::string(call0.at("id").as_string()), std::regex("[0-9]+")));
  EXPECT_EQ(call0.at("type"), "function");
  EXPECT_EQ(call0.at("function"), json::parse(R"({"name":"f","arguments":""})"));
  std::string args[2];
  int headers = 0;
  for (const auto& delta : deltas) {
    if (!delta.contains("tool_calls")) continue;
    const auto& call = delta.at("tool_calls").as_array()[0].as_object();
    const auto index = call.at("index").as_int64();
    if (call.contains("id")) {
      ++headers;
      continue;
    }
    EXPECT_EQ(call.size(), 2u);  // {index, function:{arguments}}
    args[index] += call.at("function").at("arguments").as_string();
  }
  EXPECT_EQ(headers, 2);
  EXPECT_EQ(args[0], R"({"a":1})");
  EXPECT_EQ(args[1], R"({"bb":22})");
}

TEST(FakeStreamTest, LmStudioReasoningDeltasComeFirst) {
  FakeUpstream fake({.reasoning = "Thinking hard.", .reasoning_field = "reasoning"});
  const auto chunks = stream_chunks(fake, "/v1/chat/completions", std::string(kHelloStream));
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(normalise(chunks[0]), lm_chunk(R"({"role":"assistant","reasoning":"Thinking"})"));
  EXPECT_EQ(normalise(chunks[1]), lm_chunk(R"({"reasoning":" hard."})"));
  EXPECT_EQ(normalise(chunks[2]), lm_chunk(R"({"content":"Echo:"})"));
}

TEST(FakeStreamTest, OpenAiStreamOpensWithRoleAndEmptyContent) {
  FakeUpstream fake({.mode = FakeMode::kOpenAi, .models = {{"gpt-4o-mini"}}, .api_key = "sk-x"});
  TestConnection client(fake.port());
  const std::string body =
      R"({"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},)"
      R"("messages":[{"role":"user","content":"hi"}]})";
  client.send_request("POST", "/v1/chat/completions", body,
                      {{"Authorization", "Bearer sk-x"}, {"OpenAI-Organization", "org-1"}});
  const auto chunks = parse_response(client.read_until("\r\n0\r\n\r\n", 2s)).chunks;
  ASSERT_EQ(chunks.size(), 6u);  // role, "Echo:", " hi", finish, usage, [DONE]
  const std::string prefix =
      R"(data: {"id":"ID","object":"chat.completion.chunk","created":0,"model":"gpt-4o-mini",)"
      R"("service_tier":"default","system_fingerprint":"FP",)";
  EXPECT_EQ(normalise(chunks[0]),
            prefix +
                R"("choices":[{"index":0,"delta":{"role":"assistant","content":"",)"
                R"("refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})" +
                "\n\n");
  EXPECT_EQ(normalise(chunks[1]),
            prefix +
                R"("choices":[{"index":0,"delta":{"content":"Echo:"},"logprobs":null,)"
                R"("finish_reason":null}],"usage":null})" +
                "\n\n");
  EXPECT_NE(chunks[4].find(R"("choices":[],"usage":{"prompt_tokens")"), std::string::npos);
  EXPECT_EQ(chunks[5], "data: [DONE]\n\n");
  EXPECT_EQ(fake.requests().at(0).header("OpenAI-Organization"), "org-1");
}

TEST(FakeStreamTest, OpenAiErrorsUseTheOpenAiEnvelope) {
  FakeUpstream fake({.mode = FakeMode::kOpenAi, .models = {{"gpt-4o-mini"}}, .api_key = "sk-x"});
  TestConnection client(fake.port());
  auto response = client.request("GET", "/v1/models");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.json().at("error").at("code"), "invalid_api_key");
  EXPECT_TRUE(response.json().at("error").at("param").is_null());
  response = client.request("GET", "/v1/models", "", {{"Authorization", "Bearer sk-x"}});
  EXPECT_EQ(response.body, R"({"object":"list","data":[{"id":"gpt-4o-mini","object":"model",)"
                           R"("created":1686935002,"owned_by":"openai"}]})");
  response = client.request("GET", "/v1/nope", "", {{"Authorization", "Bearer sk-x"}});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.json().at("error").at("message"), "Invalid URL (GET /v1/nope)");
  response = client.request("POST", "/v1/chat/completions", R"({"model":"gpt-5","messages":[]})",
                            {{"Authorization", "Bearer sk-x"}});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.json().at("error").at("code"), "model_not_found");
  response = client.request(
      "POST", "/v1/chat/completions",
      R"({"model":"gpt-4o-mini","tools":[{"type":"function","function":{"name":"f"}}],)"
      R"("messages":[{"role":"user","content":"call: f {}"}]})",
      {{"Authorization", "Bearer sk-x"}});
  const auto body = response.json();
  const auto& message = body.at("choices").as_array()[0].at("message");
  EXPECT_TRUE(message.at("content").is_null());
  EXPECT_TRUE(
      std::regex_match(std::string(message.at("tool_calls").as_array()[0].at("id").as_string()),
                       std::regex("call_[0-9A-Za-z]{24}")));
}

TEST(FakeStreamTest, LlamaCppRoleOnlyChunkPingsTimingsAndBareDone) {
  FakeUpstream fake({.mode = FakeMode::kLlamaCpp});
  TestConnection client(fake.port());
  EXPECT_EQ(client.request("GET", "/health").body, R"({"status":"ok"})");
  const auto missing = client.request("GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body,
            R"({"error":{"code":404,"message":"File Not Found","type":"not_found_error"}})");
  const auto chunks = stream_chunks(fake, "/v1/chat/completions", std::string(kHelloStream));
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(normalise(chunks[0]),
            R"(data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant",)"
            R"("content":null}}],"created":0,"id":"ID","model":"llama3.3",)"
            R"("system_fingerprint":"b6097-9515c613","object":"chat.completion.chunk"})"
            "\n\n");
  EXPECT_EQ(chunks[1], ": ping\n\n");
  EXPECT_EQ(chunks.back(), "data: [DONE]\n");
  EXPECT_NE(chunks[chunks.size() - 3].find(R"("timings":{)"), std::string::npos);
}

}  // namespace
}  // namespace roci::testing
