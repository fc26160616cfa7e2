// core/model_match: the model-name rules of the gateway's resolver and the SDK's served-model
// check.
#include "core/model_match.h"

#include <gtest/gtest.h>

namespace roci::model_match {
namespace {

TEST(ModelMatch, SameModelAcceptsInstancesVariantsAndSnapshots) {
  EXPECT_TRUE(same_model("gemma-3", "gemma-3", false));
  EXPECT_TRUE(same_model("gemma-3", "gemma-3:2", false));
  EXPECT_TRUE(same_model("nomic", "nomic@q4_k_m", false));
  EXPECT_TRUE(same_model("x", "", false));
  EXPECT_TRUE(same_model("gpt-4o", "gpt-4o-2024-08-06", true));
  EXPECT_FALSE(same_model("gpt-4o", "gpt-4o-2024-08-06", false));
  EXPECT_FALSE(same_model("llama", "qwen3", true));
}

TEST(ModelMatch, MatchFindsExactUniqueSubstringAndInstanceBases) {
  const std::vector<std::string_view> ids{"qwen3-8b", "qwen3-8b:2", "Gemma-3", "gemma-3-27b"};
  EXPECT_EQ(match("qwen3-8b:2", ids).id, "qwen3-8b:2");
  EXPECT_EQ(match("qwen", ids).id, "qwen3-8b");    // instances of one model: the base
  EXPECT_EQ(match("gemma-3", ids).id, "Gemma-3");  // case-insensitive exact wins
  EXPECT_EQ(match("27b", ids).id, "gemma-3-27b");
  EXPECT_FALSE(match("3", ids).id);
  EXPECT_EQ(match("3", ids).ambiguous.size(), 4u);
  EXPECT_FALSE(match("mistral", ids).id);
  EXPECT_TRUE(match("mistral", ids).ambiguous.empty());
}

TEST(ModelMatch, MismatchErrorNamesTheOptionTheReaderSets) {
  Error e = mismatch_error("LM Studio", true, "a", "b", {"a", "c"}, "Opt::accept");
  EXPECT_EQ(e.kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(e.code, "model_mismatch");
  EXPECT_EQ(
      e.message,
      "LM Studio served model \"a\" instead of the requested \"b\" (LM Studio substitutes the "
      "loaded model for unknown names). Available models: a, c. Load the requested model, or "
      "set Opt::accept to accept this.");
}

}  // namespace
}  // namespace roci::model_match
