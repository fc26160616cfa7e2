// POST /v1/responses and GET / DELETE /v1/responses/{id} through a recording ResponseWriter, with
// MockProvider or a scripted provider: the response object, the event stream (§4 with the
// Responses events), no seed defaults, the store and previous_response_id, errors.
#include "server/api/handlers.h"
#include "server/api/response_store.h"
#include "unit/server/handler_test_util.h"

#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace roci::server {
namespace {

namespace json = boost::json;
using testing::Harness;
using testing::model;
using testing::RecordingProvider;

std::unique_ptr<RecordingProvider> lmstudio() {
  return std::make_unique<RecordingProvider>("lmstudio",
                                             std::vector<ModelInfo>{model("qwen3-8b", "loaded")});
}

// The `data:` objects of the recorded events, in order (one write may hold several events).
std::vector<json::object> stream_events(const testing::FakeWriter& writer) {
  std::vector<json::object> out;
  for (const auto& chunk : writer.events) {
    std::size_t pos = 0;
    while ((pos = chunk.find("data: ", pos)) != std::string::npos) {
      const std::size_t end = chunk.find("\n\n", pos);
      out.push_back(json::parse(chunk.substr(pos + 6, end - pos - 6)).as_object());
      pos = end;
    }
  }
  return out;
}

auto with_method(http::verb verb, std::string id) {
  return [verb, id = std::move(id)](RequestContext& ctx) -> asio::awaitable<void> {
    ctx.request.method(verb);
    co_await handle_stored_response(ctx, id);
  };
}

TEST(ResponsesHandler, PlainAnswerIsAResponseObject) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_responses, R"({"model":"mock-model","input":"Hello","metadata":{"k":"v"}})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  auto body = h.writer.body_json().as_object();
  EXPECT_TRUE(body.at("id").as_string().starts_with("resp_"));
  EXPECT_EQ(body.at("object"), "response");
  EXPECT_EQ(body.at("status"), "completed");
  EXPECT_EQ(body.at("model"), "mock-model");
  EXPECT_EQ(body.at("metadata").at("k"), "v");
  const auto& item = body.at("output").at(0);
  EXPECT_EQ(item.at("type"), "message");
  EXPECT_FALSE(item.at("content").at(0).at("text").as_string().empty());
  EXPECT_GT(body.at("usage").at("total_tokens").as_int64(), 0);
  EXPECT_EQ(h.log.model, "mock-model");
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

TEST(ResponsesHandler, NoSeedDefaultsInstructionsFirst) {
  Harness h(lmstudio());
  h.run(handle_responses, R"({"model":"qwen3-8b","input":"Hi","instructions":"Be brief."})");
  ASSERT_EQ(h.recording().requests.size(), 1u);
  const auto& req = h.recording().requests[0];
  EXPECT_FALSE(req.settings.max_tokens);  // the upstream's own defaults
  EXPECT_FALSE(req.settings.temperature);
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0].role, Role::kSystem);
  EXPECT_EQ(req.messages[0].content, "Be brief.");
  EXPECT_EQ(req.messages[1].content, "Hi");
  EXPECT_EQ(req.model, "qwen3-8b");
}

TEST(ResponsesHandler, StreamEventsInOrderWithoutDone) {
  Harness h(lmstudio());
  h.run(handle_responses, R"({"model":"qwen3-8b","input":"Hi","stream":true})");
  EXPECT_TRUE(h.writer.started);
  EXPECT_TRUE(h.writer.ended);
  auto events = stream_events(h.writer);
  std::vector<std::string> types;
  for (const auto& e : events) types.emplace_back(e.at("type").as_string());
  const std::vector<std::string> expected{
      "response.created",           "response.in_progress",
      "response.output_item.added", "response.content_part.added",
      "response.output_text.delta", "response.output_text.delta",
      "response.output_text.done",  "response.content_part.done",
      "response.output_item.done",  "response.completed"};
  EXPECT_EQ(types, expected);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].at("sequence_number"), static_cast<std::int64_t>(i));
  }
  EXPECT_EQ(events.back().at("response").at("output").at(0).at("content").at(0).at("text"),
            "Once upon");
  EXPECT_EQ(events.back().at("response").at("usage").at("input_tokens"), 10);
  for (const auto& e : h.writer.events) EXPECT_EQ(e.find("[DONE]"), std::string::npos);
  EXPECT_EQ(h.log.usage, (Usage{10, 2, 12}));
  EXPECT_TRUE(h.log.time_to_first_token);
}

TEST(ResponsesHandler, MidStreamErrorIsResponseFailed) {
  auto provider = lmstudio();
  provider->stream_parts = {TextDelta{"Once"}};
  provider->stream_error = Error::upstream("LM Studio closed the connection mid-stream");
  Harness h(std::move(provider));
  h.run(handle_responses, R"({"model":"qwen3-8b","input":"Hi","stream":true})");
  auto events = stream_events(h.writer);
  ASSERT_FALSE(events.empty());
  const auto& last = events.back();
  EXPECT_EQ(last.at("type"), "response.failed");
  EXPECT_EQ(last.at("response").at("status"), "failed");
  EXPECT_EQ(last.at("response").at("error").at("code"), "upstream_error");
  EXPECT_NE(last.at("response").at("error").at("message").as_string().find("closed"),
            std::string::npos);
  EXPECT_TRUE(h.writer.ended);
  EXPECT_EQ(h.recording().streams_destroyed, 1);
  EXPECT_EQ(h.log.error_kind, ErrorKind::kUpstreamError);
}

TEST(ResponsesHandler, ClientGoneMidStreamClosesTheUpstream) {
  auto provider = lmstudio();
  provider->stream_parts = {TextDelta{"a"}, TextDelta{"b"}, TextDelta{"c"},
                            Finish{FinishReason::kStop, Usage{1, 3, 4}, {}}};
  Harness h(std::move(provider));
  h.run(
      [](RequestContext& ctx) -> asio::awaitable<void> {
        static_cast<testing::FakeWriter&>(ctx.writer).client_gone_after_events = 2;
        co_await handle_responses(ctx);
      },
      R"({"model":"qwen3-8b","input":"Hi","stream":true})");
  EXPECT_EQ(h.log.status, 499);
  EXPECT_EQ(h.recording().streams_destroyed, 1);
  EXPECT_EQ(h.admission.in_flight(), 0u);
  EXPECT_EQ(h.responses.size(), 0u);  // a response that never completed is not stored
}

TEST(ResponsesHandler, ToolCallStream) {
  auto provider = lmstudio();
  provider->stream_parts = {
      ToolCallDelta{.index = 0, .id = "call_1", .name = "get_weather", .arguments = "{\"city\":"},
      ToolCallDelta{.index = 0, .arguments = "\"Paris\"}"},
      Finish{FinishReason::kToolCalls, Usage{5, 6, 11}, {}}};
  Harness h(std::move(provider));
  h.run(handle_responses, R"({"model":"qwen3-8b","input":"Weather?","stream":true,
      "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]})");
  ASSERT_EQ(h.recording().requests.size(), 1u);
  EXPECT_EQ(h.recording().requests[0].tools->at(0).name, "get_weather");
  auto events = stream_events(h.writer);
  std::vector<std::string> types;
  for (const auto& e : events) types.emplace_back(e.at("type").as_string());
  const std::vector<std::string> expected{"response.created",
                                          "response.in_progress",
                                          "response.output_item.added",
                                          "response.function_call_arguments.delta",
                                          "response.function_call_arguments.delta",
                                          "response.function_call_arguments.done",
                                          "response.output_item.done",
                                          "response.completed"};
  EXPECT_EQ(types, expected);
  EXPECT_EQ(events[5].at("arguments"), "{\"city\":\"Paris\"}");
  EXPECT_EQ(events[2].at("item").at("call_id"), "call_1");
}

TEST(ResponsesHandler, StoredThenContinuedThenDeleted) {
  Harness h(lmstudio());
  h.run(handle_responses, R"({"model":"qwen3-8b","input":"My name is Ada.","instructions":"X"})");
  ASSERT_EQ(h.writer.response->status, 200);
  const std::string first_body = h.writer.response->body;
  const std::string id(h.writer.body_json().at("id").as_string());
  EXPECT_EQ(h.responses.size(), 1u);

  h.run(with_method(http::verb::get, id));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.response->body, first_body);

  h.run(handle_responses, R"({"model":"qwen3-8b","input":"What is my name?","stream":true,
      "previous_response_id":")" +
                              id + "\"}");
  ASSERT_EQ(h.recording().requests.size(), 2u);
  const auto& messages = h.recording().requests[1].messages;
  ASSERT_EQ(messages.size(), 3u);  // the earlier turn and answer, then this input; no instructions
  EXPECT_EQ(messages[0].content, "My name is Ada.");
  EXPECT_EQ(messages[1].role, Role::kAssistant);
  EXPECT_EQ(messages[1].content, "Hello there");
  EXPECT_EQ(messages[2].content, "What is my name?");
  auto events = stream_events(h.writer);
  EXPECT_EQ(events.back().at("response").at("previous_response_id").as_string(), id);
  EXPECT_EQ(h.responses.size(), 2u);  // the streamed answer too

  h.run(with_method(http::verb::delete_, id));
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.body_json(),
            json::parse(R"({"id":")" + id + R"(","object":"response","deleted":true})"));
  h.run(with_method(http::verb::get, id));
  EXPECT_EQ(h.writer.response->status, 404);
}

TEST(ResponsesHandler, StoreFalseIsNotKept) {
  Harness h(lmstudio());
  h.run(handle_responses, R"({"model":"qwen3-8b","input":"Hi","store":false})");
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.responses.size(), 0u);
}

TEST(ResponsesHandler, UnknownIdsAre404InOpenAisEnvelope) {
  Harness h(lmstudio());
  h.run(handle_responses,
        R"({"model":"qwen3-8b","input":"Hi","previous_response_id":"resp_missing"})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 404);
  auto error = h.writer.body_json().at("error").as_object();
  EXPECT_EQ(error.at("type"), "invalid_request_error");
  EXPECT_EQ(error.at("param"), "previous_response_id");
  EXPECT_EQ(error.at("code"), "response_not_found");
  EXPECT_TRUE(h.recording().requests.empty());  // refused before the upstream

  h.run(with_method(http::verb::get, "resp_nope"));
  EXPECT_EQ(h.writer.response->status, 404);
  EXPECT_EQ(h.writer.body_json().at("error").at("code"), "response_not_found");
  h.run(with_method(http::verb::delete_, "resp_nope"));
  EXPECT_EQ(h.writer.response->status, 404);
}

TEST(ResponsesHandler, InvalidRequestIs400NamingTheField) {
  Harness h(lmstudio());
  h.run(handle_responses, R"({"model":"qwen3-8b","input":"Hi","temperature":9})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  EXPECT_EQ(h.writer.body_json().at("error").at("param"), "temperature");
}

TEST(ResponsesHandler, LengthFinishIsIncomplete) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_responses, R"({"model":"mock-model","input":"Hi","max_output_tokens":2})");
  auto body = h.writer.body_json();
  EXPECT_EQ(body.at("status"), "incomplete");
  EXPECT_EQ(body.at("incomplete_details").at("reason"), "max_output_tokens");
  EXPECT_EQ(body.at("max_output_tokens"), 2);
}

}  // namespace
}  // namespace roci::server
