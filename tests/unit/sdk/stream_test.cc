// roci::stream_text (roci/sdk/stream.h): the free-function form of provider.stream_text.
#include <roci/provider/mock_provider.h>
#include <roci/sdk/stream.h>

#include <gtest/gtest.h>

namespace roci {
namespace {

ProviderRequest seed_request() {
  return ProviderRequest{.messages = {ModelMessage::user("Explain quantum computing")},
                         .settings = GenerationSettings{},
                         .tools = std::nullopt,
                         .response_format = std::nullopt,
                         .session_id = std::nullopt,
                         .transport = std::nullopt};
}

TEST(StreamText, FreeFunctionFormWorks) {
  MockProvider provider;
  auto stream = stream_text(provider, seed_request());
  ASSERT_TRUE(stream);
  int deltas = 0;
  while (auto d = stream->next()) deltas += d->text.empty() ? 0 : 1;
  EXPECT_EQ(deltas, 16);
}

}  // namespace
}  // namespace roci
