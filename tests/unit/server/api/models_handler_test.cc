// GET /v1/models, GET /v1/models/{id}, GET /health (POST /v1/completions and /v1/embeddings:
// legacy_handlers_test.cc).
#include "server/api/handlers.h"
#include "unit/server/handler_test_util.h"

#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace roci::server {
namespace {

namespace json = boost::json;
using testing::Harness;
using testing::model;
using testing::RecordingProvider;

std::vector<std::string> listed_ids(const json::value& body) {
  std::vector<std::string> ids;
  for (const auto& m : body.at("data").as_array()) ids.emplace_back(m.at("id").as_string());
  return ids;
}

TEST(ModelsHandler, ListsTheProviderModels) {
  Harness h(testing::lmstudio_with_three_models());
  h.run(handle_models);
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  auto body = h.writer.body_json();
  EXPECT_EQ(body.at("object"), "list");
  EXPECT_EQ(listed_ids(body).size(), 3u);
}

TEST(ModelsHandler, AllowedModelsFilterTheList) {
  Harness h(testing::lmstudio_with_three_models());
  h.config.inference.allowed_models = {"qwen3-8b"};
  h.run(handle_models);
  EXPECT_EQ(listed_ids(h.writer.body_json()), std::vector<std::string>{"qwen3-8b"});
}

TEST(ModelsHandler, UpstreamDownIsAnError) {
  auto provider = testing::lmstudio_with_three_models();
  provider->list_error = Error::unreachable("LM Studio is not reachable at http://localhost:1234");
  Harness h(std::move(provider));
  h.run(handle_models);
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 502);
}

TEST(ModelHandler, KnownIdAndUnknownId) {
  Harness h(testing::lmstudio_with_three_models());
  h.run([](RequestContext& ctx) {
    return handle_model(ctx, "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  });
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.body_json().at("id"), "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");

  h.config.inference.allowed_models = {"qwen3-8b"};
  h.run([](RequestContext& ctx) {
    return handle_model(ctx, "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  });
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 404);
  auto error = h.writer.body_json().at("error");
  EXPECT_EQ(error.at("code"), "model_not_found");
  EXPECT_NE(error.at("message").as_string().find("Available models: qwen3-8b"), json::string::npos);
}

TEST(HealthHandler, ReachableUpstreamIs200WithConfigAndQueue) {
  auto provider = testing::lmstudio_with_three_models();
  provider->health_answer.reachable = true;
  provider->health_answer.latency = std::chrono::microseconds(1500);
  provider->health_answer.base_url = "http://localhost:1234";
  provider->health_answer.detail = "LM Studio answered /lmstudio-greeting";
  Harness h(std::move(provider), {.max_concurrent = 3, .max_queue = 7});
  h.config.inference.api_key = "sk-secret-never-shown";
  h.config.inference.http.timeout_secs = 120;
  h.config.inference.http.first_byte_timeout_secs = 600;
  h.run(handle_health);
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.response->body.find("sk-secret"), std::string::npos);
  auto body = h.writer.body_json();
  EXPECT_EQ(body.at("status"), "ok");
  EXPECT_EQ(body.at("provider"), "lmstudio");
  EXPECT_EQ(body.at("base_url"), "http://localhost:1234");
  EXPECT_EQ(body.at("upstream").at("reachable"), true);
  EXPECT_DOUBLE_EQ(body.at("upstream").at("latency_ms").as_double(), 1.5);
  // The provider reported none: loaded state comes from the model list.
  EXPECT_EQ(body.at("loaded_models").as_array().size(), 1u);
  EXPECT_EQ(body.at("http").at("timeout_secs"), 120);
  EXPECT_EQ(body.at("http").at("first_byte_timeout_secs"), 600);
  EXPECT_EQ(body.at("http").at("stream_idle_timeout_secs"), 120);
  EXPECT_EQ(body.at("http").at("connect_timeout_secs"), 10);
  EXPECT_EQ(body.at("http").at("keep_alive_secs"), 30);
  EXPECT_EQ(body.at("http").at("max_idle_connections"), 10);
  EXPECT_EQ(body.at("queue").at("max_concurrent"), 3);
  EXPECT_EQ(body.at("queue").at("max_queue"), 7);
  EXPECT_EQ(body.at("queue").at("length"), 0);
  EXPECT_TRUE(h.recording().requests.empty());  // never a completion call
}

TEST(HealthHandler, UnreachableUpstreamIs503) {
  auto provider = testing::lmstudio_with_three_models();
  provider->health_answer.reachable = false;
  provider->health_answer.detail = "connection refused";
  Harness h(std::move(provider));
  h.run(handle_health);
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 503);
  auto body = h.writer.body_json();
  EXPECT_EQ(body.at("status"), "unavailable");
  EXPECT_EQ(body.at("upstream").at("detail"), "connection refused");
}

}  // namespace
}  // namespace roci::server
