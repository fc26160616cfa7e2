#include "server/admin/request_event.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace roci::server::admin {
namespace {

RequestLog chat_log() {
  RequestLog log;
  log.request_id = "req-1";
  log.route = "/v1/chat/completions";
  log.requested_model = "qwen";
  log.model = "qwen/qwen3-8b";
  log.backend = "lmstudio";
  log.status = 200;
  log.stream = true;
  log.start = std::chrono::steady_clock::now() - std::chrono::seconds(2);
  log.time_to_first_token = std::chrono::milliseconds(500);
  log.usage = Usage{.prompt_tokens = 10, .completion_tokens = 30, .total_tokens = 40};
  log.content_prompt = "secret question";
  log.content_answer = "secret answer";
  return log;
}

TEST(RequestEvent, CarriesWhatTheFeedShows) {
  const RequestEvent e = make_request_event(chat_log(), "POST", 1234, false);
  EXPECT_EQ(e.method, "POST");
  EXPECT_EQ(e.dialect, "openai");
  EXPECT_EQ(e.requested_model, "qwen");
  EXPECT_EQ(e.model, "qwen/qwen3-8b");
  EXPECT_EQ(e.backend, "lmstudio");
  ASSERT_TRUE(e.ttft_ms);
  EXPECT_NEAR(*e.ttft_ms, 500, 1);
  EXPECT_GE(e.duration_ms, 2000);
  ASSERT_TRUE(e.tokens_per_second);
  EXPECT_NEAR(*e.tokens_per_second, 20, 1);  // 30 tokens after the first, in ~1.5 s
  EXPECT_FALSE(e.cancelled);
  EXPECT_TRUE(e.prompt.empty());  // no content unless ui.log_content
  const auto json = boost::json::parse(encode_request_event(e)).as_object();
  EXPECT_EQ(json.at("route").as_string(), "/v1/chat/completions");
  EXPECT_EQ(json.at("status").as_int64(), 200);
  EXPECT_TRUE(json.at("error").is_null());
  EXPECT_FALSE(json.contains("prompt"));
}

TEST(RequestEvent, ContentOnlyWhenAsked) {
  const RequestEvent e = make_request_event(chat_log(), "POST", 1, true);
  const auto json = boost::json::parse(encode_request_event(e)).as_object();
  EXPECT_EQ(json.at("prompt").as_string(), "secret question");
  EXPECT_EQ(json.at("answer").as_string(), "secret answer");
}

TEST(RequestEvent, CancelledAndFailedRequests) {
  RequestLog log = chat_log();
  log.status = 499;
  log.error_kind = ErrorKind::kCancelled;
  EXPECT_TRUE(make_request_event(log, "POST", 1, false).cancelled);
  log.status = 502;
  log.error_kind = ErrorKind::kUpstreamUnreachable;
  log.error_message = "LM Studio at http://x is not reachable";
  const RequestEvent e = make_request_event(log, "POST", 1, false);
  EXPECT_FALSE(e.cancelled);
  EXPECT_FALSE(e.error.empty());
  EXPECT_EQ(e.error_message, "LM Studio at http://x is not reachable");
}

TEST(RequestEvent, TheFeedSkipsTheConsolesOwnTrafficAndQuietProbes) {
  RequestLog log;
  log.status = 200;
  for (const char* route : {"/", "/ui", "/admin/status", "/admin/events", "/v1/models", "/health",
                            "/metrics", "/v1/models/{id}"}) {
    log.route = route;
    EXPECT_FALSE(feed_shows(log)) << route;
  }
  log.route = "/v1/chat/completions";
  EXPECT_TRUE(feed_shows(log));
  log.route = "other";
  log.status = 404;
  EXPECT_TRUE(feed_shows(log));
  log.route = "/health";
  log.status = 503;
  EXPECT_TRUE(feed_shows(log));
}

TEST(RequestEvent, ContentIsBoundedOnAUtf8Boundary) {
  RequestLog log;
  std::string long_text;
  while (long_text.size() < kMaxEventText + 10) long_text += "é";  // two bytes each
  note_answer(log, "x");
  note_answer(log, long_text);
  EXPECT_LE(log.content_answer.size(), kMaxEventText);
  EXPECT_GE(log.content_answer.size(), kMaxEventText - 1);
  EXPECT_EQ(log.content_answer.back(), '\xA9');  // a whole "é" ends it
  std::vector<ModelMessage> messages{ModelMessage::system("sys"), ModelMessage::user("first"),
                                     ModelMessage::user("last one")};
  note_prompt(log, messages);
  EXPECT_EQ(log.content_prompt, "last one");
}

}  // namespace
}  // namespace roci::server::admin
