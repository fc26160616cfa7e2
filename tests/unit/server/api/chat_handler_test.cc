// POST /v1/chat/completions through a recording ResponseWriter, with MockProvider or a scripted
// provider: body shape, the streaming contract (ARCHITECTURE.md §4), defaults, served-model
// validation, admission, cancellation.
#include "server/api/handlers.h"
#include "unit/server/handler_test_util.h"

#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace roci::server {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::Harness;
using testing::model;
using testing::RecordingProvider;

const char* kHello = R"({"model":"local-model","messages":[{"role":"user","content":"Hello"}]})";

std::string chat_body(std::string_view model, bool stream, std::string_view extra = "") {
  std::string body = R"({"model":")" + std::string(model) +
                     R"(","messages":[{"role":"user","content":"Tell me a story"}])";
  if (stream) body += R"(,"stream":true)";
  if (!extra.empty()) body += "," + std::string(extra);
  return body + "}";
}

std::unique_ptr<RecordingProvider> lmstudio_with(std::vector<ModelInfo> models = {
                                                     model("qwen3-8b", "loaded"),
                                                     model("TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
                                                           "not-loaded")}) {
  return std::make_unique<RecordingProvider>("lmstudio", std::move(models));
}

json::object chunk(const std::string& payload) { return json::parse(payload).as_object(); }

TEST(ChatHandler, NonStreamBodyHasTheOpenAiShape) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_chat_completions, chat_body("mock-model", false));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.response->content_type, "application/json");
  auto body = h.writer.body_json().as_object();
  EXPECT_EQ(body.at("object"), "chat.completion");
  EXPECT_EQ(body.at("model"), "mock-model");
  EXPECT_EQ(h.log.model, "mock-model");
  EXPECT_TRUE(h.log.model_listed);  // resolved against the provider's list
  EXPECT_FALSE(h.log.backend.empty());
  EXPECT_TRUE(body.at("id").as_string().starts_with("chatcmpl-"));
  const auto& choice = body.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("message").at("role"), "assistant");
  EXPECT_FALSE(choice.at("message").at("content").as_string().empty());
  EXPECT_EQ(choice.at("finish_reason"), "stop");
  EXPECT_TRUE(body.at("usage").as_object().contains("total_tokens"));
  EXPECT_EQ(h.log.model, "mock-model");
  EXPECT_FALSE(h.log.stream);
  EXPECT_TRUE(h.log.usage);
  EXPECT_EQ(h.admission.in_flight(), 0u);  // the slot was released with the response
}

// The gateway's embedded default: the mock with the seed's model names.
std::unique_ptr<MockProvider> seed_mock() {
  return std::make_unique<MockProvider>(
      MockOptions{.models = {"local-model", "TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
                             "TheBloke/Llama-2-7B-Chat-GGUF"}});
}

TEST(ChatHandler, SeedCurlExampleWorksWithTheMock) {
  Harness h(seed_mock());
  h.run(handle_chat_completions, kHello);
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.body_json().at("model"), "local-model");
}

TEST(ChatHandler, AnUnknownModelOnTheMockIsA404ListingItsModels) {
  Harness h(seed_mock());
  h.run(handle_chat_completions, chat_body("no-such-model", false));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 404);
  auto error = h.writer.body_json().at("error").as_object();
  EXPECT_EQ(error.at("code"), "model_not_found");
  EXPECT_EQ(error.at("message"),
            "Model \"no-such-model\" not found. Available models: local-model, "
            "TheBloke/Mistral-7B-Instruct-v0.2-GGUF, TheBloke/Llama-2-7B-Chat-GGUF.");
}

TEST(ChatHandler, NChoicesFromTheMockPlainAndStreamed) {
  Harness h(seed_mock());
  h.run(handle_chat_completions, chat_body("local-model", false, R"("n":2)"));
  ASSERT_TRUE(h.writer.response);
  ASSERT_EQ(h.writer.response->status, 200) << h.writer.response->body;
  const json::value body = h.writer.body_json();
  const auto& choices = body.at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[1].at("index"), 1);
  EXPECT_NE(choices[0].at("message").at("content"), choices[1].at("message").at("content"));

  h.run(handle_chat_completions, chat_body("local-model", true, R"("n":2,"max_tokens":3)"));
  std::map<std::int64_t, int> deltas;
  std::map<std::int64_t, std::string> finishes;
  for (const auto& payload : h.writer.payloads()) {
    if (payload == "[DONE]") continue;
    const json::object parsed = chunk(payload);
    for (const auto& c : parsed.at("choices").as_array()) {
      const auto index = c.at("index").as_int64();
      if (c.at("delta").as_object().contains("content")) ++deltas[index];
      if (c.at("finish_reason").is_string()) finishes[index] = c.at("finish_reason").as_string();
    }
  }
  EXPECT_EQ(deltas, (std::map<std::int64_t, int>{{0, 3}, {1, 3}}));
  EXPECT_EQ(finishes, (std::map<std::int64_t, std::string>{{0, "length"}, {1, "length"}}));
}

TEST(ChatHandler, StreamEventSequence) {
  Harness h(lmstudio_with());
  h.run(handle_chat_completions, chat_body("qwen3", true));
  EXPECT_FALSE(h.writer.response);
  EXPECT_TRUE(h.writer.started);
  EXPECT_TRUE(h.writer.ended);
  auto payloads = h.writer.payloads();
  ASSERT_EQ(payloads.size(), 4u);  // Once, upon, finish, [DONE]
  auto first = chunk(payloads[0]);
  EXPECT_EQ(first.at("object"), "chat.completion.chunk");
  EXPECT_EQ(first.at("model"), "qwen3-8b");
  EXPECT_EQ(first.at("id"), "chatcmpl-upstream");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("content"), "Once");
  auto second = chunk(payloads[1]);
  EXPECT_FALSE(second.at("choices").at(0).at("delta").as_object().contains("role"));
  EXPECT_EQ(second.at("choices").at(0).at("delta").at("content"), " upon");
  auto finish = chunk(payloads[2]);
  EXPECT_EQ(finish.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_EQ(finish.at("usage").at("total_tokens"), 12);
  EXPECT_EQ(payloads[3], "[DONE]");
  for (const auto& e : h.writer.events) EXPECT_TRUE(e.ends_with("\n\n"));
  EXPECT_TRUE(h.log.stream);
  EXPECT_EQ(h.log.model, "qwen3-8b");
  ASSERT_TRUE(h.log.usage);
  EXPECT_EQ(h.log.usage->total_tokens, 12);
  EXPECT_TRUE(h.log.time_to_first_token);
  EXPECT_EQ(h.recording().streams_destroyed, 1);
}

TEST(ChatHandler, TrailingUsageChunkOnlyWithIncludeUsage) {
  Harness h(lmstudio_with());
  h.run(handle_chat_completions,
        chat_body("qwen3", true, R"("stream_options":{"include_usage":true})"));
  auto payloads = h.writer.payloads();
  ASSERT_EQ(payloads.size(), 5u);
  auto usage = chunk(payloads[3]);
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("prompt_tokens"), 10);
  EXPECT_EQ(payloads[4], "[DONE]");
}

TEST(ChatHandler, EachPartIsWrittenWhenTheNextOneIsNotHereYet) {
  auto provider = lmstudio_with();
  provider->stream_parts = {TextDelta{"a"}, TextDelta{"b"}, TextDelta{"c"},
                            Finish{FinishReason::kStop, Usage{1, 3, 4}, {}}};
  Harness h(std::move(provider));
  h.run(handle_chat_completions,
        chat_body("qwen3", true, R"("stream_options":{"include_usage":true})"));
  // Headers alone (the first part needs the network), one write per delta, then finish, usage
  // chunk, [DONE] and the end of the body together.
  EXPECT_EQ(h.writer.events_per_write, (std::vector<std::size_t>{0, 1, 1, 1, 3}));
  EXPECT_EQ(h.writer.payloads().size(), 6u);
}

TEST(ChatHandler, PartsThatArrivedTogetherShareOneWrite) {
  auto provider = lmstudio_with();
  provider->stream_parts = {TextDelta{"a"}, TextDelta{"b"}, TextDelta{"c"},
                            Finish{FinishReason::kStop, Usage{1, 3, 4}, {}}};
  provider->stream_all_ready = true;
  Harness h(std::move(provider));
  h.run(handle_chat_completions,
        chat_body("qwen3", true, R"("stream_options":{"include_usage":true})"));
  // Headers, three deltas, finish, usage, [DONE] and the end: one write.
  EXPECT_EQ(h.writer.events_per_write, (std::vector<std::size_t>{6}));
  auto payloads = h.writer.payloads();
  ASSERT_EQ(payloads.size(), 6u);
  EXPECT_EQ(chunk(payloads[0]).at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_EQ(payloads[5], "[DONE]");
}

TEST(ChatHandler, QueuedPartsGoOutBeforeAMidStreamError) {
  auto provider = lmstudio_with();
  provider->stream_parts = {TextDelta{"a"}, TextDelta{"b"}};
  provider->stream_error = Error::upstream("LM Studio closed the connection mid-stream");
  provider->stream_all_ready = true;
  Harness h(std::move(provider));
  h.run(handle_chat_completions, chat_body("qwen3", true));
  auto payloads = h.writer.payloads();
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_NE(payloads[2].find("closed the connection"), std::string::npos);
  EXPECT_EQ(h.writer.events_per_write, (std::vector<std::size_t>{3, 0}));  // error, then the end
  EXPECT_TRUE(h.writer.ended);
}

TEST(ChatHandler, StreamWithTheMock) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_chat_completions, chat_body("mock-model", true, R"("max_tokens":3)"));
  auto payloads = h.writer.payloads();
  ASSERT_GE(payloads.size(), 3u);
  EXPECT_EQ(chunk(payloads.front()).at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_EQ(payloads.back(), "[DONE]");
  EXPECT_TRUE(h.writer.ended);
}

// The handler copies what it needs out of the body and lets the body go: a stream can last
// minutes, and a long conversation's body would be held all that time.
TEST(ChatHandler, TheRequestBodyIsNotKeptOnceParsed) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_chat_completions, chat_body("mock-model", true, R"("max_tokens":3)"));
  EXPECT_EQ(h.writer.payloads().back(), "[DONE]");
  EXPECT_TRUE(h.request.body().empty());
  EXPECT_EQ(h.request.body().capacity(), std::string().capacity());  // freed, not just cleared

  h.run(handle_chat_completions, R"({"model":"mock-model","messages":"not an array"})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  EXPECT_TRUE(h.request.body().empty());
}

TEST(ChatHandler, StreamSetupErrorKeepsItsStatus) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_chat_completions, chat_body("mock-model", true, R"("mock":{"fail_status":404})"));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 404);
  EXPECT_FALSE(h.writer.started);
  auto body = h.writer.body_json();
  EXPECT_EQ(body.at("error").at("code"), "model_not_found");
  EXPECT_EQ(h.log.status, 404);
}

TEST(ChatHandler, StreamSetupUpstreamFailureIs502) {
  auto provider = lmstudio_with();
  provider->fail_with = Error::unreachable("LM Studio is not reachable at http://localhost:1234");
  Harness h(std::move(provider));
  h.run(handle_chat_completions, chat_body("qwen3", true));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 502);
  EXPECT_FALSE(h.writer.started);
}

TEST(ChatHandler, MidStreamCutIsAnErrorEventWithoutDone) {
  Harness h(std::make_unique<MockProvider>());
  h.run(handle_chat_completions,
        chat_body("mock-model", true, R"("mock":{"cut_after_tokens":2,"tokens":6})"));
  EXPECT_TRUE(h.writer.started);
  auto payloads = h.writer.payloads();
  ASSERT_GE(payloads.size(), 2u);
  auto last = json::parse(payloads.back()).as_object();
  EXPECT_TRUE(last.contains("error")) << payloads.back();
  for (const auto& p : payloads) EXPECT_NE(p, "[DONE]");
  EXPECT_TRUE(h.writer.ended);
  EXPECT_TRUE(h.log.error_kind);
}

TEST(ChatHandler, ScriptedMidStreamErrorClosesTheUpstream) {
  auto provider = lmstudio_with();
  provider->stream_parts = {TextDelta{"Once"}};
  provider->stream_error = Error::upstream("LM Studio closed the connection mid-stream");
  Harness h(std::move(provider));
  h.run(handle_chat_completions, chat_body("qwen3", true));
  auto payloads = h.writer.payloads();
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_NE(payloads[1].find("closed the connection"), std::string::npos);
  EXPECT_EQ(h.recording().streams_destroyed, 1);
}

TEST(ChatHandler, ClientGoneMidStreamStopsAndClosesTheUpstream) {
  auto provider = lmstudio_with();
  provider->stream_parts = {TextDelta{"a"}, TextDelta{"b"}, TextDelta{"c"},
                            Finish{FinishReason::kStop, Usage{1, 3, 4}, {}}};
  Harness h(std::move(provider));
  h.run(
      [](RequestContext& ctx) -> asio::awaitable<void> {
        static_cast<testing::FakeWriter&>(ctx.writer).client_gone_after_events = 1;
        co_await handle_chat_completions(ctx);
      },
      chat_body("qwen3", true));
  EXPECT_EQ(h.writer.events.size(), 1u);
  EXPECT_EQ(h.log.status, 499);
  EXPECT_EQ(h.recording().streams_destroyed, 1);
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

TEST(ChatHandler, DefaultsAppliedWhenAbsent) {
  Harness h(lmstudio_with());
  h.run(handle_chat_completions, chat_body("qwen3", false));
  ASSERT_EQ(h.recording().requests.size(), 1u);
  const auto& settings = h.recording().requests[0].settings;
  EXPECT_EQ(settings.max_tokens, 100);
  EXPECT_EQ(settings.temperature, 0.7);
  EXPECT_EQ(h.recording().requests[0].model, "qwen3-8b");
}

TEST(ChatHandler, ClientValuesAndConfiguredDefaultsWin) {
  Harness h(lmstudio_with());
  h.run(handle_chat_completions, chat_body("qwen3", false, R"("max_tokens":5,"temperature":0.1)"));
  ASSERT_EQ(h.recording().requests.size(), 1u);
  EXPECT_EQ(h.recording().requests[0].settings.max_tokens, 5);
  EXPECT_EQ(h.recording().requests[0].settings.temperature, 0.1);

  h.config.inference.default_max_tokens = 256;
  h.config.inference.default_temperature = 0.2;
  h.run(handle_chat_completions, chat_body("qwen3", true));
  ASSERT_EQ(h.recording().requests.size(), 2u);
  EXPECT_EQ(h.recording().requests[1].settings.max_tokens, 256);
  EXPECT_EQ(h.recording().requests[1].settings.temperature, 0.2);
}

TEST(ChatHandler, ServedModelMismatchIs502ListingTheModels) {
  auto provider = lmstudio_with();
  provider->served_model = "gemma-3-1b-it-qat:2";  // BT#619: the loaded model answered instead
  Harness h(std::move(provider));
  h.run(handle_chat_completions, chat_body("mistral", false));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 502);
  auto message = std::string(h.writer.body_json().at("error").at("message").as_string());
  EXPECT_NE(message.find("LM Studio served model \"gemma-3-1b-it-qat:2\" instead of the requested "
                         "\"TheBloke/Mistral-7B-Instruct-v0.2-GGUF\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("Available models: qwen3-8b"), std::string::npos);
  EXPECT_EQ(h.writer.body_json().at("error").at("code"), "model_mismatch");
}

TEST(ChatHandler, StreamedMismatchIsRefusedBeforeTheHeaders) {
  auto provider = lmstudio_with();
  provider->served_model = "gemma-3-1b-it-qat";
  Harness h(std::move(provider));
  h.run(handle_chat_completions, chat_body("mistral", true));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 502);
  EXPECT_FALSE(h.writer.started);
  EXPECT_EQ(h.recording().streams_destroyed, 1);
}

TEST(ChatHandler, InstanceSuffixIsNotAMismatch) {
  auto provider = lmstudio_with();
  provider->served_model = "qwen3-8b:2";
  Harness h(std::move(provider));
  h.run(handle_chat_completions, chat_body("qwen3", false));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.body_json().at("model"), "qwen3-8b:2");  // what really served it
}

TEST(ChatHandler, AcceptedMismatchAnswersWithTheServedModel) {
  auto provider = lmstudio_with();
  provider->served_model = "gemma-3-1b-it-qat";
  Harness h(std::move(provider));
  h.config.inference.accept_model_mismatch = true;
  h.run(handle_chat_completions, chat_body("mistral", false));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.body_json().at("model"), "gemma-3-1b-it-qat");
}

TEST(ChatHandler, InvalidRequestIs400NamingTheField) {
  Harness h(lmstudio_with());
  h.run(handle_chat_completions, chat_body("qwen3", false, R"("temperature":3.5)"));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  EXPECT_EQ(h.writer.body_json().at("error").at("param"), "temperature");
  EXPECT_TRUE(h.recording().requests.empty());
  h.run(handle_chat_completions, "{not json");
  EXPECT_EQ(h.writer.response->status, 400);
}

// Every limits.* key the parser enforces comes from the config (request_limits).
TEST(ChatHandler, ConfiguredJsonLimitsReachTheParser) {
  Harness h(lmstudio_with());
  h.config.limits.max_string_bytes = 16;
  h.config.limits.max_json_depth = 4;
  h.config.limits.max_messages = 1;
  h.config.limits.max_tokens_ceiling = 100;
  auto param_of = [&](const std::string& body) {
    h.run(handle_chat_completions, body);
    EXPECT_EQ(h.writer.response->status, 400) << body;
    const json::value body_json = h.writer.body_json();
    const auto& error = body_json.at("error");
    return std::make_pair(
        std::string(error.at("param").is_string() ? std::string_view(error.at("param").as_string())
                                                  : std::string_view()),
        std::string(error.at("message").as_string()));
  };
  auto [param, message] =
      param_of(R"({"model":"qwen3","messages":[{"role":"user","content":"seventeen bytes!!"}]})");
  EXPECT_EQ(param, "messages[0].content");
  EXPECT_NE(message.find("16 bytes"), std::string::npos) << message;
  std::tie(param, message) =
      param_of(R"({"model":"qwen3","messages":[{"role":"user","content":"hi"}],"x":[[[[1]]]]})");
  EXPECT_NE(message.find("deeper than 4"), std::string::npos) << message;
  std::tie(param, message) = param_of(
      R"({"model":"qwen3","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]})");
  EXPECT_EQ(param, "messages");
  EXPECT_NE(message.find("at most 1"), std::string::npos) << message;
  std::tie(param, message) = param_of(chat_body("qwen3", false, R"("max_tokens":101)"));
  EXPECT_EQ(param, "max_tokens");
  EXPECT_NE(message.find("between 1 and 100"), std::string::npos) << message;
  EXPECT_TRUE(h.recording().requests.empty());
  h.run(handle_chat_completions, chat_body("qwen3", false, R"("max_tokens":100)"));
  EXPECT_EQ(h.writer.response->status, 200) << h.writer.response->body;
}

TEST(ChatHandler, UnknownModelIs404ListingAvailable) {
  Harness h(lmstudio_with());
  h.run(handle_chat_completions, chat_body("phi-3", false));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 404);
  auto error = h.writer.body_json().at("error");
  EXPECT_EQ(error.at("code"), "model_not_found");
  EXPECT_NE(error.at("message").as_string().find("qwen3-8b"), json::string::npos);
  EXPECT_TRUE(h.recording().requests.empty());
}

TEST(ChatHandler, UpstreamModelNotFoundInvalidatesTheCatalog) {
  auto provider = lmstudio_with();
  provider->fail_with = Error::model_not_found("Model \"qwen3-8b\" not found.", {"other"});
  Harness h(std::move(provider));
  h.run(handle_chat_completions, chat_body("qwen3", false));
  EXPECT_EQ(h.writer.response->status, 404);
  EXPECT_EQ(h.recording().list_calls, 1);
  h.run(handle_chat_completions, chat_body("qwen3", false));
  EXPECT_EQ(h.recording().list_calls, 2);  // refetched, not served from the 2 s cache
}

TEST(ChatHandler, UnreachableCatalogPassesTheNameToTheUpstream) {
  auto provider = lmstudio_with();
  provider->list_error = Error::unreachable("LM Studio is not reachable");
  provider->fail_with = Error::unreachable("LM Studio is not reachable at http://localhost:1234");
  Harness h(std::move(provider));
  h.run(handle_chat_completions, chat_body("my-model", false));
  ASSERT_EQ(h.recording().requests.size(), 1u);
  EXPECT_EQ(h.recording().requests[0].model, "my-model");
  EXPECT_EQ(h.writer.response->status, 502);
  // Not resolved against a list: the client's string is no metrics label (metrics.h).
  EXPECT_EQ(h.log.model, "my-model");
  EXPECT_FALSE(h.log.model_listed);
}

// Takes a slot of the harness's admission queue into `held`, as a request in flight would; it is
// released when `held` is reset.
void take_slot(Harness& h, std::optional<Result<AdmissionQueue::Slot>>& held) {
  asio::co_spawn(
      h.ioc,
      [](AdmissionQueue* q, std::optional<Result<AdmissionQueue::Slot>>* out)
          -> asio::awaitable<void> { out->emplace(co_await q->acquire()); }(&h.admission, &held),
      asio::detached);
  h.ioc.poll();
}

TEST(ChatHandler, QueueFullIs429WithRetryAfter) {
  Harness h(lmstudio_with(), {.max_concurrent = 1, .max_queue = 0});
  std::optional<Result<AdmissionQueue::Slot>> held;
  take_slot(h, held);
  ASSERT_TRUE(held && *held);
  h.run(handle_chat_completions, chat_body("qwen3", false));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 429);
  bool has_retry_after = false;
  for (const auto& [name, value] : h.writer.response->headers) {
    if (name == "Retry-After") has_retry_after = !value.empty();
  }
  EXPECT_TRUE(has_retry_after);
  EXPECT_TRUE(h.recording().requests.empty());
}

TEST(ChatHandler, ClientGoneWhileQueuedLeavesTheQueue) {
  Harness h(lmstudio_with(), {.max_concurrent = 1, .max_queue = 4});
  std::optional<Result<AdmissionQueue::Slot>> held;
  take_slot(h, held);
  h.run(handle_chat_completions, chat_body("qwen3", false), 20ms);
  EXPECT_TRUE(h.done);
  EXPECT_EQ(h.log.status, 499);
  EXPECT_FALSE(h.writer.response);
  EXPECT_EQ(h.admission.queue_length(), 0u);
  EXPECT_TRUE(h.recording().requests.empty());
}

// A request that found no free slot waits in the queue, and once a slot frees it is bound to its
// resolved model and served like any other, streamed or not; its time queued counts as upstream
// wait.
TEST(ChatHandler, AQueuedRequestIsServedWhenASlotFrees) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "streamed" : "not streamed");
    Harness h(lmstudio_with(), {.max_concurrent = 1, .max_queue = 4});
    std::optional<Result<AdmissionQueue::Slot>> held;
    take_slot(h, held);
    ASSERT_TRUE(held && *held);
    asio::steady_timer release(h.ioc, 20ms);
    release.async_wait([&](boost::system::error_code) { held.reset(); });
    h.run(handle_chat_completions, chat_body("qwen3", stream));
    EXPECT_TRUE(h.done);
    ASSERT_EQ(h.recording().requests.size(), 1u);
    const ProviderRequest& sent = h.recording().requests[0];
    EXPECT_EQ(sent.model, "qwen3-8b");
    ASSERT_TRUE(sent.transport);
    bool forwards_request_id = false;
    for (const auto& [name, value] : sent.transport->headers) {
      forwards_request_id = forwards_request_id || name == "X-Request-Id";
    }
    EXPECT_TRUE(forwards_request_id);
    if (stream) {
      EXPECT_TRUE(h.writer.started);
      EXPECT_TRUE(h.writer.ended);
    } else {
      ASSERT_TRUE(h.writer.response);
      EXPECT_EQ(h.writer.response->status, 200);
    }
    EXPECT_EQ(h.log.model, "qwen3-8b");
    EXPECT_GE(h.log.upstream_wait, 15ms);
    EXPECT_EQ(h.admission.in_flight(), 0u);
    EXPECT_EQ(h.admission.queue_length(), 0u);
  }
}

TEST(ChatHandler, ClientGoneDuringASlowStreamReturnsPromptly) {
  MockOptions slow;
  slow.token_delay = 50ms;
  slow.completion_tokens = 100;
  Harness h(std::make_unique<MockProvider>(slow));
  auto start = std::chrono::steady_clock::now();
  h.run(handle_chat_completions, chat_body("mock-model", true, R"("max_tokens":100)"), 120ms);
  EXPECT_TRUE(h.done);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(h.log.status, 499);
  for (const auto& p : h.writer.payloads()) EXPECT_NE(p, "[DONE]");
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

}  // namespace
}  // namespace roci::server
