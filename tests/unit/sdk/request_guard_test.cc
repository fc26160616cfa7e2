// What the SDK checks around a model call: the request (the gateway's ranges and messages) and the
// model that answered (the gateway's matching rules).
#include <roci/sdk/generate.h>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "openai_wire/downstream_codec.h"
#include "scripted_provider.h"

namespace roci {
namespace {

using testing::ScriptedProvider;

ProviderRequest hello() {
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("hi"));
  return request;
}

// The gateway's answer to the same setting in a client body.
Error gateway_error(const std::string& field_json) {
  auto parsed = openai_wire::parse_chat_request(
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],)" + field_json + "}", {});
  EXPECT_FALSE(parsed);
  return parsed ? Error{} : parsed.error();
}

TEST(RequestGuard, SettingsOutOfRangeFailBeforeSendingWithTheGatewaysMessage) {
  struct Case {
    GenerationSettings settings;
    std::string body;
  };
  const Case cases[] = {
      {{.temperature = 3.5}, R"("temperature":3.5)"},
      {{.temperature = -1}, R"("temperature":-1)"},
      {{.top_p = 1.5}, R"("top_p":1.5)"},
      {{.max_tokens = 0}, R"("max_tokens":0)"},
      {{.max_tokens = 2'000'000}, R"("max_tokens":2000000)"},
      {{.frequency_penalty = 2.5}, R"("frequency_penalty":2.5)"},
      {{.top_k = -2}, R"("top_k":-2)"},
  };
  for (const auto& c : cases) {
    ScriptedProvider provider;
    ProviderRequest request = hello();
    request.settings = c.settings;
    auto got = generate_text(provider, request);
    ASSERT_FALSE(got) << c.body;
    EXPECT_TRUE(provider.requests.empty()) << "sent despite " << c.body;
    const Error expected = gateway_error(c.body);
    EXPECT_EQ(got.error().kind, ErrorKind::kInvalidRequest);
    EXPECT_EQ(got.error().message, expected.message);
    EXPECT_EQ(got.error().param, expected.param);
  }
  ScriptedProvider provider;
  ProviderRequest request = hello();
  request.settings.temperature = 3.5;
  EXPECT_EQ(generate_text(provider, request).error().message,
            "temperature must be a number between 0 and 2, got 3.5");
  request.settings.temperature = 2;
  request.settings.max_tokens = -1;  // LM Studio's "no limit"
  EXPECT_TRUE(generate_text(provider, request));
}

TEST(RequestGuard, EmptyMessagesFailWithTheGatewaysMessage) {
  ScriptedProvider provider;
  auto got = generate_text(provider, ProviderRequest{});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "messages must be a non-empty array of message objects, got an "
            "empty array");
  auto parsed = openai_wire::parse_chat_request(R"({"model":"m","messages":[]})", {});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, got.error().message);
  auto loop = generate_text(provider, ProviderRequest{}, GenerateOptions{});
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().param, "messages");
}

TEST(RequestGuard, ASubstitutedModelIsAnErrorNamingTheOption) {
  ScriptedProvider provider;
  provider.kind_ = "lmstudio";
  provider.models = {"qwen3-8b", "gemma-3-1b"};
  provider.answers.push_back(ScriptedProvider::text("hello", "qwen3-8b"));
  ProviderRequest request = hello();
  request.model = "llama-3.3-70b";
  auto got = generate_text(provider, request);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(got.error().code, "model_mismatch");
  EXPECT_EQ(got.error().message,
            "LM Studio served model \"qwen3-8b\" instead of the requested \"llama-3.3-70b\" (LM "
            "Studio substitutes the loaded model for unknown names). Available models: qwen3-8b, "
            "gemma-3-1b. Load the requested model, or set "
            "GenerateOptions::accept_model_substitution to accept this.");
  EXPECT_EQ(got.error().available_models, provider.models);

  provider.answers.push_back(ScriptedProvider::text("hello", "qwen3-8b"));
  auto accepted =
      generate_text(provider, request, GenerateOptions{.accept_model_substitution = true});
  ASSERT_TRUE(accepted) << accepted.error();
  EXPECT_EQ(accepted->model, "qwen3-8b");  // the result names the model that answered
}

TEST(RequestGuard, TheGatewaysMatchingRulesAcceptTheSameModel) {
  struct Case {
    std::string requested, served;
  };
  const Case same[] = {
      {"qwen3-8b", "qwen3-8b"},    // exact
      {"qwen3-8b", "qwen3-8b:2"},  // an instance
      {"nomic-embed", "nomic-embed@q4_k_m"},
      {"qwen3", "qwen3-8b"},          // the one listed id the name is a substring of
      {"local-model", "gemma-3-1b"},  // LM Studio's placeholder: whatever is loaded
      {"", "gemma-3-1b"},             // nothing named (model_id() is empty)
  };
  for (const auto& c : same) {
    ScriptedProvider provider;
    provider.kind_ = "lmstudio";
    provider.model_ = c.requested;
    provider.models = {"qwen3-8b", "gemma-3-1b", "nomic-embed"};
    provider.answers.push_back(ScriptedProvider::text("hi", c.served));
    auto got = generate_text(provider, hello());
    EXPECT_TRUE(got) << c.requested << " -> " << c.served << ": " << got.error();
  }
  // An ambiguous substring is not a match; a dated snapshot is one except on LM Studio.
  ScriptedProvider ambiguous;
  ambiguous.kind_ = "lmstudio";
  ambiguous.model_ = "3";
  ambiguous.models = {"qwen3-8b", "gemma-3-1b"};
  ambiguous.answers.push_back(ScriptedProvider::text("hi", "qwen3-8b"));
  EXPECT_FALSE(generate_text(ambiguous, hello()));
  ScriptedProvider openai;
  openai.kind_ = "openai";
  openai.model_ = "gpt-4o";
  openai.answers.push_back(ScriptedProvider::text("hi", "gpt-4o-2024-08-06"));
  EXPECT_TRUE(generate_text(openai, hello()));
  EXPECT_EQ(openai.list_calls, 0);  // no list needed when the names agree
}

}  // namespace
}  // namespace roci
