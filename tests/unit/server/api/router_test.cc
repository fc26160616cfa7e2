#include "server/api/router.h"
#include "server/observability/metrics.h"

#include <gtest/gtest.h>

#include <iterator>
#include <utility>

namespace roci::server {
namespace {

using http::verb;

TEST(MatchRoute, ExactPaths) {
  EXPECT_EQ(match_route(verb::post, "/v1/chat/completions").route, Route::kChatCompletions);
  EXPECT_EQ(match_route(verb::post, "/v1/completions").route, Route::kCompletions);
  EXPECT_EQ(match_route(verb::post, "/v1/embeddings").route, Route::kEmbeddings);
  EXPECT_EQ(match_route(verb::get, "/v1/models").route, Route::kModels);
  EXPECT_EQ(match_route(verb::get, "/health").route, Route::kHealth);
  EXPECT_EQ(match_route(verb::get, "/metrics").route, Route::kMetrics);
  EXPECT_TRUE(match_route(verb::post, "/v1/chat/completions").method_allowed);
  EXPECT_EQ(match_route(verb::post, "/v1/chat/completions").label, "/v1/chat/completions");
}

TEST(MatchRoute, ResponsesRoutes) {
  auto create = match_route(verb::post, "/v1/responses");
  EXPECT_EQ(create.route, Route::kResponses);
  EXPECT_TRUE(create.method_allowed);
  EXPECT_EQ(create.label, "/v1/responses");
  for (verb v : {verb::get, verb::delete_}) {
    auto one = match_route(v, "/v1/responses/resp_abc?x=1");
    EXPECT_EQ(one.route, Route::kResponse);
    EXPECT_TRUE(one.method_allowed);
    EXPECT_EQ(one.model_id, "resp_abc");
    EXPECT_EQ(one.label, "/v1/responses/{id}");
  }
  auto wrong = match_route(verb::post, "/v1/responses/resp_abc");
  EXPECT_FALSE(wrong.method_allowed);
  EXPECT_EQ(wrong.allow, "GET, DELETE");
  EXPECT_EQ(match_route(verb::get, "/v1/responses/").route, Route::kNotFound);
}

TEST(MatchRoute, QueryStringIsIgnored) {
  auto m = match_route(verb::get, "/v1/models?limit=3");
  EXPECT_EQ(m.route, Route::kModels);
  EXPECT_TRUE(m.method_allowed);
  EXPECT_EQ(match_route(verb::get, "/health?").route, Route::kHealth);
}

TEST(MatchRoute, NoPrefixAliasesOrTrailingSlashes) {
  for (const char* path : {"/chat/completions", "/v1/chat/completions/", "/v1", "/v1/models/",
                           "/V1/models", "/healthz", "/favicon.ico", ""}) {
    auto m = match_route(verb::get, path);
    EXPECT_EQ(m.route, Route::kNotFound) << path;
    EXPECT_EQ(m.label, "other") << path;
  }
}

TEST(MatchRoute, ConsoleRoutes) {
  EXPECT_EQ(match_route(verb::get, "/").route, Route::kRoot);
  EXPECT_EQ(match_route(verb::get, "/ui").route, Route::kUi);
  auto asset = match_route(verb::get, "/ui/app.js?v=1");
  EXPECT_EQ(asset.route, Route::kUi);
  EXPECT_EQ(asset.label, "/ui");
  EXPECT_TRUE(asset.console);
  EXPECT_EQ(match_route(verb::get, "/admin/status").route, Route::kAdminStatus);
  EXPECT_EQ(match_route(verb::get, "/admin/events").route, Route::kAdminEvents);
  EXPECT_EQ(match_route(verb::get, "/admin/series").route, Route::kAdminSeries);
  EXPECT_FALSE(match_route(verb::post, "/admin/status").method_allowed);
  EXPECT_FALSE(match_route(verb::get, "/v1/models").console);
  EXPECT_EQ(match_route(verb::get, "/admin").route, Route::kNotFound);
}

TEST(MatchRoute, ModelIdMayContainSlashes) {
  auto m = match_route(verb::get, "/v1/models/TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  EXPECT_EQ(m.route, Route::kModel);
  EXPECT_TRUE(m.method_allowed);
  EXPECT_EQ(m.model_id, "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  EXPECT_EQ(m.label, "/v1/models/{id}");
}

TEST(MatchRoute, ModelIdIsUrlDecoded) {
  EXPECT_EQ(match_route(verb::get, "/v1/models/TheBloke%2FMistral-7B").model_id,
            "TheBloke/Mistral-7B");
  EXPECT_EQ(match_route(verb::get, "/v1/models/qwen3%3A8b?x=1").model_id, "qwen3:8b");
  EXPECT_EQ(match_route(verb::get, "/v1/models/a%20b").model_id, "a b");
  // Malformed escapes are kept as sent (the handler answers 404).
  EXPECT_EQ(match_route(verb::get, "/v1/models/bad%zz").model_id, "bad%zz");
}

TEST(MatchRoute, WrongMethodNamesTheAllowedOne) {
  auto m = match_route(verb::get, "/v1/chat/completions");
  EXPECT_EQ(m.route, Route::kChatCompletions);
  EXPECT_FALSE(m.method_allowed);
  EXPECT_EQ(m.allow, "POST");
  auto o = match_route(verb::options, "/v1/models");
  EXPECT_FALSE(o.method_allowed);
  EXPECT_EQ(o.allow, "GET");
  auto d = match_route(verb::delete_, "/v1/models/x");
  EXPECT_EQ(d.route, Route::kModel);
  EXPECT_FALSE(d.method_allowed);
  EXPECT_EQ(d.allow, "GET");
  EXPECT_FALSE(match_route(verb::post, "/health").method_allowed);
}

TEST(MatchRoute, ModelLoadAndUnloadArePostsUnderTheModelsPrefix) {
  auto load = match_route(verb::post, "/v1/models/TheBloke%2FMistral/load");
  EXPECT_EQ(load.route, Route::kModelLoad);
  EXPECT_TRUE(load.method_allowed);
  EXPECT_EQ(load.model_id, "TheBloke/Mistral");
  EXPECT_EQ(load.label, "/v1/models/{id}/load");
  auto unload = match_route(verb::post, "/v1/models/qwen3:8b/unload?x=1");
  EXPECT_EQ(unload.route, Route::kModelUnload);
  EXPECT_EQ(unload.model_id, "qwen3:8b");
  EXPECT_EQ(unload.label, "/v1/models/{id}/unload");
  auto get = match_route(verb::get, "/v1/models/m/load");
  EXPECT_EQ(get.route, Route::kModelLoad);
  EXPECT_FALSE(get.method_allowed);
  EXPECT_EQ(get.allow, "POST");
  // "/load" alone is an id, not a load of the empty id.
  EXPECT_EQ(match_route(verb::get, "/v1/models/load").route, Route::kModel);
}

}  // namespace
}  // namespace roci::server

namespace roci::server {
namespace {

TEST(MatchRoute, MessagesRoutesRenderErrorsInAnthropicsShape) {
  auto messages = match_route(http::verb::post, "/v1/messages?beta=true");  // Claude Code's query
  EXPECT_EQ(messages.route, Route::kMessages);
  EXPECT_TRUE(messages.method_allowed);
  EXPECT_NE(messages.errors, nullptr);
  auto count = match_route(http::verb::post, "/v1/messages/count_tokens");
  EXPECT_EQ(count.route, Route::kCountTokens);
  EXPECT_EQ(count.errors, messages.errors);
  EXPECT_EQ(match_route(http::verb::post, "/v1/chat/completions").errors, nullptr);
}

}  // namespace
}  // namespace roci::server

namespace roci::server {
namespace {

// The metrics' route labels are in Route order, one per route, "other" last.
TEST(Router, MetricsRouteLabelsFollowTheRouteEnum) {
  const std::pair<http::verb, std::string_view> samples[] = {
      {http::verb::post, "/v1/chat/completions"},
      {http::verb::post, "/v1/completions"},
      {http::verb::post, "/v1/embeddings"},
      {http::verb::post, "/v1/responses"},
      {http::verb::get, "/v1/responses/resp_1"},
      {http::verb::post, "/v1/messages"},
      {http::verb::post, "/v1/messages/count_tokens"},
      {http::verb::get, "/v1/models"},
      {http::verb::get, "/v1/models/m"},
      {http::verb::post, "/v1/models/m/load"},
      {http::verb::post, "/v1/models/m/unload"},
      {http::verb::get, "/health"},
      {http::verb::get, "/metrics"},
      {http::verb::get, "/"},
      {http::verb::get, "/ui"},
      {http::verb::get, "/admin/status"},
      {http::verb::get, "/admin/events"},
      {http::verb::get, "/admin/series"},
  };
  ASSERT_EQ(std::size(samples) + 1, kRouteCount);
  for (std::size_t i = 0; i < std::size(samples); ++i) {
    const RouteMatch m = match_route(samples[i].first, samples[i].second);
    EXPECT_EQ(static_cast<std::size_t>(m.route), i) << samples[i].second;
    EXPECT_EQ(kRouteLabels[i], m.label) << samples[i].second;
  }
  EXPECT_EQ(static_cast<std::size_t>(Route::kNotFound), std::size(samples));
  EXPECT_EQ(kRouteLabels[kRouteCount - 1], "other");
}

}  // namespace
}  // namespace roci::server
