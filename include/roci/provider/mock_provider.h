// MockProvider: a deterministic, scriptable provider with no network; the gateway's embedded
// default.
//
//   roci::MockProvider mock;                                   // instant answers
//   roci::MockProvider slow({.token_delay = std::chrono::milliseconds(20)});
//   roci::MockProvider broken({.fail_with = roci::Error::upstream("boom", 500)});
//
// The same messages always give the same text (words picked by a hash of the conversation);
// `completion_tokens` words are produced, fewer if max_tokens is lower; answer_tokens() returns
// them with their leading space, so joining them gives the text. Faults: `fail_with` fails at
// setup, `cut_after_tokens` ends a stream with an UpstreamError after that many tokens (and makes
// generate() fail the same way), `first_byte_delay` delays the first event. Per-request scripting
// for end-to-end tests: settings.extra["mock"] may hold {"fail_status": 500, "cut_after_tokens": 3,
// "first_byte_delay_ms": 200, "token_delay_ms": 10, "tokens": 5, "tool_call": {"name",
// "arguments"} (or an array of them; ids call_mock_<i>), "reasoning": true}; these keys are
// consumed by the mock and never forwarded anywhere. With tools, a last user message
// `call: [name] [{json}][; ...]` asks for tool calls (the fake upstream's convention).
// Cancellation: delays are asio timers; cancelling or destroying a stream stops it at once.
#pragma once

#include <roci/provider/provider.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace roci {

struct MockOptions {
  int completion_tokens = 16;
  std::chrono::milliseconds token_delay{0};
  std::chrono::milliseconds first_byte_delay{0};
  std::optional<Error> fail_with;
  std::optional<int> cut_after_tokens;
  std::vector<std::string> models{"mock-model"};
};

class MockProvider final : public Provider {
 public:
  // `name`: the instance's name() ("" -> "mock").
  explicit MockProvider(MockOptions options = {}, std::string model = "mock-model",
                        std::string name = "mock");

  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "mock"; }
  const std::string& model_id() const override { return model_; }

  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) override;
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) override;
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override;
  asio::awaitable<Result<ProviderHealth>> health() override;
  Capabilities capabilities(std::string_view model) const override;
  asio::awaitable<Result<EmbeddingResult>> embed(EmbeddingRequest request) override;
  asio::awaitable<Result<CompletionResult>> complete(CompletionRequest request) override;

  // The deterministic answer the mock gives to `messages` (exposed for tests).
  static std::vector<std::string> answer_tokens(const std::vector<ModelMessage>& messages,
                                                int count);

 private:
  MockOptions options_;
  std::string model_;
  std::string name_;
};

}  // namespace roci
