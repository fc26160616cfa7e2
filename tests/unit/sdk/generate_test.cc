// generate_text: the seed's examples, run against the mock through the sync and async facades.
#include <roci/provider/mock_provider.h>
#include <roci/sdk/generate.h>

#include <gtest/gtest.h>
#include <boost/asio.hpp>

namespace roci {
namespace {

namespace asio = boost::asio;

// Forwards to a MockProvider and remembers the last request it was given.
class RecordingProvider final : public Provider {
 public:
  std::string_view name() const override { return "recording"; }
  const std::string& model_id() const override { return mock_.model_id(); }
  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) override {
    last_request = request;
    co_return co_await mock_.generate(std::move(request));
  }
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) override {
    last_request = request;
    co_return co_await mock_.stream(std::move(request));
  }
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override {
    co_return co_await mock_.list_models();
  }
  asio::awaitable<Result<ProviderHealth>> health() override { co_return co_await mock_.health(); }
  Capabilities capabilities(std::string_view model) const override {
    return mock_.capabilities(model);
  }

  std::optional<ProviderRequest> last_request;

 private:
  MockProvider mock_;
};

TEST(GenerateText, MirrorsTheSeedBasicExample) {
  MockProvider provider;
  std::vector<ModelMessage> messages{ModelMessage::user("Hello, how are you?")};
  auto result = generate_text(provider, messages, GenerationSettings{}, {});
  ASSERT_TRUE(result) << result.error();
  EXPECT_FALSE(result->text.empty());
}

TEST(GenerateText, MirrorsTheSeedAdvancedExample) {
  RecordingProvider provider;
  std::vector<ModelMessage> messages{
      ModelMessage::system("You are an expert Rust developer. Generate clean, efficient code."),
      ModelMessage::user("Write a function to sort a vector of structs by a field.")};
  GenerationSettings settings{.max_tokens = 2048,
                              .temperature = 0.3,
                              .top_p = 0.95,
                              .stop_sequences = std::vector<std::string>{"```"}};
  auto result = generate_text(provider, messages, settings, {});
  ASSERT_TRUE(result) << result.error();
  EXPECT_FALSE(result->text.empty());
  ASSERT_TRUE(provider.last_request);
  EXPECT_EQ(provider.last_request->messages, messages);
  EXPECT_EQ(provider.last_request->settings, settings);
  EXPECT_FALSE(provider.last_request->tools);  // no tools: the field is absent, not empty
}

TEST(GenerateText, PassesToolsWhenGiven) {
  RecordingProvider provider;
  auto result = generate_text(provider, {ModelMessage::user("call: {}")}, {},
                              {ToolDefinition{.name = "lookup"}});
  ASSERT_TRUE(result);
  ASSERT_TRUE(provider.last_request->tools);
  EXPECT_EQ(provider.last_request->tools->at(0).name, "lookup");
  ASSERT_EQ(result->tool_calls.size(), 1u);
  EXPECT_EQ(result->tool_calls[0].name, "lookup");
}

TEST(GenerateText, RequestFormAndAsyncFormAgree) {
  MockProvider provider;
  ProviderRequest request{.messages = {ModelMessage::user("Explain quantum computing")}};
  auto sync = generate_text(provider, request);
  asio::io_context io;
  auto future = asio::co_spawn(io, generate_text_async(provider, request), asio::use_future);
  io.run();
  auto async = future.get();
  ASSERT_TRUE(sync && async);
  EXPECT_EQ(sync->text, async->text);
}

TEST(GenerateText, ValueThrowsRociExceptionOnError) {
  MockProvider broken({.fail_with = Error::upstream("boom", 500)});
  auto result = generate_text(broken, {ModelMessage::user("hi")}, {}, {});
  ASSERT_FALSE(result);
  try {
    (void)result.value();
    FAIL() << "value() did not throw";
  } catch (const RociException& e) {
    EXPECT_EQ(e.error().kind, ErrorKind::kUpstreamError);
    EXPECT_STREQ(e.what(), "boom");
  }
}

}  // namespace
}  // namespace roci
