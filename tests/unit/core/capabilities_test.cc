// The seed's capability table for LM Studio custom models.
#include <roci/core/capabilities.h>

#include <gtest/gtest.h>

namespace roci {
namespace {

TEST(CapabilitiesTest, LmStudioDefaultsAreTheSeedTable) {
  const Capabilities caps = lmstudio_default_capabilities();
  EXPECT_TRUE(caps.tools);
  EXPECT_TRUE(caps.streaming);
  EXPECT_TRUE(caps.json_mode);
  EXPECT_TRUE(caps.system_messages);
  EXPECT_FALSE(caps.json_schema);
  EXPECT_FALSE(caps.vision);
  EXPECT_FALSE(caps.reasoning);
  EXPECT_EQ(caps.context_length, 32768);
  EXPECT_NE(caps, Capabilities{});
}

}  // namespace
}  // namespace roci
