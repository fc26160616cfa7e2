// The gateway's logs through the real binary: log.format json gives one JSON object per line with
// the access fields, the request id goes upstream as X-Request-Id and appears in every line about
// the request (its retries included), and a 404 names the requested model.
#include "integration/gateway_fixture.h"

#include <sstream>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr std::string_view kChat = "/v1/chat/completions";

// Every line of the gateway's stderr as JSON (the one stdout line, "inference-server listening
// on ...", is not a log line).
std::vector<json::object> json_lines(const std::string& output) {
  std::vector<json::object> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.starts_with("inference-server listening on")) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    EXPECT_FALSE(ec) << "not JSON: " << line;
    if (!ec && v.is_object()) lines.push_back(v.as_object());
  }
  return lines;
}

const json::object* find_access(const std::vector<json::object>& lines, std::string_view id) {
  for (const auto& l : lines) {
    if (l.contains("event") && l.at("event") == "access" && l.at("request_id").is_string() &&
        l.at("request_id").as_string() == id) {
      return &l;
    }
  }
  return nullptr;
}

TEST(GatewayLogs, JsonFormatGivesOneObjectPerLineWithTheAccessFields) {
  GatewayUnderTest gw({.env = {{"INFERENCE_LOG_FORMAT", "json"}}});
  ASSERT_NE(gw.port, 0);
  auto res = http_call(gw.port, "POST", std::string(kChat), chat_body("llama", "hello there"),
                       {{"X-Request-Id", "req-json-1"}});
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_TRUE(gw.process->wait_for_output("\"request_id\":\"req-json-1\"")) << gw.log();

  // The request id went upstream.
  bool forwarded = false;
  for (const auto& r : gw.fake->requests()) {
    if (r.path() == kChat) forwarded = r.header("X-Request-Id") == "req-json-1";
  }
  EXPECT_TRUE(forwarded);

  const auto lines = json_lines(gw.log());
  ASSERT_FALSE(lines.empty());
  for (const auto& l : lines) {
    EXPECT_TRUE(l.contains("time") && l.contains("level")) << json::serialize(l);
  }
  const json::object* access = find_access(lines, "req-json-1");
  ASSERT_NE(access, nullptr) << gw.log();
  EXPECT_EQ(access->at("level"), "info");
  EXPECT_EQ(access->at("method"), "POST");
  EXPECT_EQ(access->at("path").as_string(), kChat);
  EXPECT_EQ(access->at("requested_model"), "llama");
  EXPECT_EQ(access->at("model"), "llama3.3");   // resolved
  EXPECT_EQ(access->at("backend"), "default");  // the one upstream is backend "default"
  EXPECT_EQ(access->at("status"), 200);
  EXPECT_TRUE(access->at("client").as_string().starts_with("127.0.0.1:"));
  EXPECT_TRUE(access->at("duration_ms").is_number());
  EXPECT_GT(access->at("tokens_in").as_int64(), 0);
  EXPECT_GT(access->at("tokens_out").as_int64(), 0);
  EXPECT_TRUE(access->at("error").is_null());
}

TEST(GatewayLogs, StreamedRequestLogsTimeToFirstToken) {
  GatewayUnderTest gw({.env = {{"INFERENCE_LOG_FORMAT", "json"}}});
  ASSERT_NE(gw.port, 0);
  auto res = http_call(gw.port, "POST", std::string(kChat), chat_body("llama3.3", "a b c", true),
                       {{"X-Request-Id", "req-stream-1"}});
  ASSERT_EQ(res.status, 200);
  ASSERT_TRUE(gw.process->wait_for_output("\"request_id\":\"req-stream-1\"")) << gw.log();
  const auto lines = json_lines(gw.log());
  const json::object* access = find_access(lines, "req-stream-1");
  ASSERT_NE(access, nullptr);
  EXPECT_TRUE(access->at("ttft_ms").is_number()) << json::serialize(*access);
  EXPECT_EQ(access->at("stream"), true);
}

TEST(GatewayLogs, RetriesCarryTheRequestId) {
  GatewayUnderTest gw({});
  ASSERT_NE(gw.port, 0);
  gw.fake->script(Fault::respond(503, R"({"error":"busy"})", std::string(kChat)));
  auto res = http_call(gw.port, "POST", std::string(kChat), chat_body("llama3.3", "hi"),
                       {{"X-Request-Id", "req-retry-7"}});
  EXPECT_EQ(res.status, 200) << res.body;
  ASSERT_TRUE(gw.process->wait_for_output("access id=req-retry-7")) << gw.log();
  EXPECT_NE(gw.log().find("id=req-retry-7 upstream retry 1/2"), std::string::npos) << gw.log();
  int sent = 0;
  for (const auto& r : gw.fake->requests()) {
    if (r.path() == kChat && r.header("X-Request-Id") == "req-retry-7") ++sent;
  }
  EXPECT_EQ(sent, 2) << "both attempts carry the id";
}

TEST(GatewayLogs, AnUnknownModelLogsTheRequestedName) {
  FakeOptions o;
  o.single_model_serves_any_name = false;
  GatewayUnderTest gw({.fake = o});
  ASSERT_NE(gw.port, 0);
  auto res = http_call(gw.port, "POST", std::string(kChat), chat_body("no-such-model", "hi"));
  EXPECT_EQ(res.status, 404);
  EXPECT_TRUE(gw.process->wait_for_output("requested_model=no-such-model")) << gw.log();
}

}  // namespace
}  // namespace roci::testing
