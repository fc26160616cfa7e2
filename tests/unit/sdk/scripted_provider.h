// A Provider for SDK tests: answers generate() from a queue (or forwards to a MockProvider when the
// queue is empty), records every request, and reports the kind, models and capabilities it is told.
#pragma once

#include <roci/provider/mock_provider.h>
#include <roci/provider/provider.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace roci::testing {

class ScriptedProvider final : public Provider {
 public:
  explicit ScriptedProvider(MockOptions options = {}) : mock_(std::move(options)) {}

  std::string_view name() const override { return kind_; }
  std::string_view kind() const override { return kind_; }
  const std::string& model_id() const override { return model_ ? *model_ : mock_.model_id(); }
  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) override {
    requests.push_back(request);
    if (answers.empty()) co_return co_await mock_.generate(std::move(request));
    auto next = std::move(answers.front());
    answers.pop_front();
    co_return next;
  }
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) override {
    co_return co_await mock_.stream(std::move(request));
  }
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override {
    ++list_calls;
    if (models.empty()) co_return co_await mock_.list_models();
    std::vector<ModelInfo> out;
    for (const auto& id : models) out.push_back(ModelInfo{.id = id});
    co_return out;
  }
  asio::awaitable<Result<ProviderHealth>> health() override { co_return co_await mock_.health(); }
  Capabilities capabilities(std::string_view model) const override {
    return caps ? *caps : mock_.capabilities(model);
  }

  static GenerationResult text(std::string text, std::string model,
                               FinishReason reason = FinishReason::kStop) {
    GenerationResult r;
    r.text = std::move(text);
    r.model = std::move(model);
    r.finish_reason = reason;
    r.usage = Usage{10, 5, 15};
    return r;
  }

  std::deque<Result<GenerationResult>> answers;
  std::vector<ProviderRequest> requests;
  std::vector<std::string> models;  // list_models(); empty: the mock's
  std::optional<Capabilities> caps;
  int list_calls = 0;
  std::string kind_ = "mock";
  std::optional<std::string> model_;  // model_id(); unset: the mock's

 private:
  MockProvider mock_;
};

}  // namespace roci::testing
