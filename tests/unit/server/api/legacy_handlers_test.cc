// POST /v1/completions and POST /v1/embeddings (legacy_handlers.cc) on the handler harness.
#include "server/api/handlers.h"
#include "unit/server/handler_test_util.h"

#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace roci::server {
namespace {

using testing::Harness;
using testing::model;
using testing::RecordingProvider;

TEST(LegacyHandlers, CompletionsWithTheMock) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_completions, R"({"model":"mock-model","prompt":"Once upon a time"})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200) << h.writer.response->body;
  auto body = h.writer.body_json();
  EXPECT_EQ(body.at("object"), "text_completion");
  EXPECT_EQ(body.at("model"), "mock-model");
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

TEST(LegacyHandlers, EmbeddingsWithTheMock) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_embeddings, R"({"model":"mock-model","input":["a","b"]})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200) << h.writer.response->body;
  auto body = h.writer.body_json();
  EXPECT_EQ(body.at("object"), "list");
  EXPECT_EQ(body.at("data").as_array().size(), 2u);
}

TEST(LegacyHandlers, UnsupportedOperationIs400) {
  Harness h(testing::lmstudio_with_three_models());  // RecordingProvider keeps Provider's default
                                                     // embed(): kUnsupported
  h.run(handle_embeddings, R"({"model":"nomic","input":"hello"})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  EXPECT_EQ(h.writer.body_json().at("error").at("code"), "unsupported");
}

TEST(LegacyHandlers, EmbeddingDefaultPrefersAnEmbeddingModel) {
  Harness h(testing::lmstudio_with_three_models());
  h.run(handle_embeddings, R"({"input":"hello"})");
  EXPECT_EQ(h.log.model, "text-embedding-nomic");
}

TEST(LegacyHandlers, CompletionsRefuseToStreamBeforeAdmission) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_completions, R"({"model":"mock-model","prompt":"x","stream":true})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  const auto error = h.writer.body_json().at("error");
  EXPECT_EQ(error.at("param"), "stream");
  EXPECT_NE(error.at("message").as_string().find("/v1/chat/completions"),
            boost::json::string::npos);
  EXPECT_TRUE(h.log.model.empty()) << "refused before the model was resolved";
}

TEST(LegacyHandlers, InvalidBodiesAre400AndNeverReachTheProvider) {
  Harness h(testing::lmstudio_with_three_models());
  h.run(handle_completions, R"({"model":"qwen3-8b","prompt":7})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  EXPECT_EQ(h.writer.body_json().at("error").at("type"), "invalid_request_error");
  h.run(handle_embeddings, "not json");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  EXPECT_EQ(h.recording().list_calls, 0);
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

TEST(LegacyHandlers, CompletionsAnswerEveryPromptAndRecordUsage) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_completions, R"({"model":"mock-model","prompt":["a","b"]})");
  ASSERT_TRUE(h.writer.response);
  ASSERT_EQ(h.writer.response->status, 200) << h.writer.response->body;
  const auto body = h.writer.body_json();
  EXPECT_EQ(body.at("id").as_string().rfind("cmpl-", 0), 0u) << body;
  EXPECT_GT(body.at("created").as_int64(), 0);
  EXPECT_EQ(body.at("choices").as_array().size(), 2u);
  ASSERT_TRUE(h.log.usage);
  EXPECT_GT(h.log.usage->completion_tokens, 0);
  EXPECT_EQ(h.log.model, "mock-model");
}

}  // namespace
}  // namespace roci::server
