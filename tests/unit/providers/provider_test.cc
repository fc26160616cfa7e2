// Provider's default methods.
#include "unit/providers/provider_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roci::test {
namespace {

using ::testing::HasSubstr;

// A provider with only the required methods: embed() and complete() fall back to kUnsupported.
class MinimalProvider final : public Provider {
 public:
  std::string_view name() const override { return "minimal"; }
  const std::string& model_id() const override { return model_; }
  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest) override {
    co_return GenerationResult{};
  }
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest) override {
    co_return Error::unsupported("no");
  }
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override {
    co_return std::vector<ModelInfo>{};
  }
  asio::awaitable<Result<ProviderHealth>> health() override { co_return ProviderHealth{}; }
  Capabilities capabilities(std::string_view) const override { return {}; }

 private:
  std::string model_ = "m";
};

TEST(ProviderDefaultsTest, EmbedAndCompleteAreUnsupported) {
  asio::io_context io;
  MinimalProvider provider;
  auto embedded = run(io, provider.embed({.input = {"x"}}));
  ASSERT_FALSE(embedded);
  EXPECT_EQ(embedded.error().kind, ErrorKind::kUnsupported);
  EXPECT_EQ(embedded.error().message, "minimal has no embeddings endpoint");
  auto completed = run(io, provider.complete({.prompt = {"x"}}));
  ASSERT_FALSE(completed);
  EXPECT_EQ(completed.error().kind, ErrorKind::kUnsupported);
  EXPECT_THAT(completed.error().message, HasSubstr("minimal has no text completions endpoint"));
  EXPECT_EQ(provider.base_url(), "");
  EXPECT_EQ(provider.http_options(), nullptr);
}

}  // namespace
}  // namespace roci::test
