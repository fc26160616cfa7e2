// The web console's admin API and files (/admin/..., /ui), end to end with the real binary.
#include "integration/gateway_fixture.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

namespace roci::testing {
namespace {

namespace json = boost::json;
using Fields = std::vector<std::pair<std::string, std::string>>;
using namespace std::chrono_literals;

constexpr const char* kConsoleKey = "sk-roci-console-5d1e";

json::object data_of(const std::string& event) {
  const auto at = event.find("data: ");
  return json::parse(event.substr(at + 6)).as_object();
}

TEST(AdminApi, StatusListsTheUpstreamAsOneBackend) {
  GatewayUnderTest gw({.fake = FakeOptions{.models = {{.id = "qwen3-8b"},
                                                      {.id = "llama-3.2-1b", .loaded = false}}}});
  auto res = http_call(gw.port, "GET", "/admin/status");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Cache-Control"), "no-store");
  const auto body = res.json().as_object();
  const auto& gateway = body.at("gateway").as_object();
  EXPECT_FALSE(gateway.at("version").as_string().empty());
  EXPECT_GE(gateway.at("uptime_secs").as_double(), 0.0);
  EXPECT_FALSE(gateway.at("keys_required").as_bool());
  const auto& backends = body.at("backends").as_array();
  ASSERT_EQ(backends.size(), 1u);
  const auto& b = backends[0].as_object();
  EXPECT_EQ(b.at("name").as_string(), "default");  // the one upstream is backend "default"
  EXPECT_EQ(b.at("kind").as_string(), "lmstudio");
  EXPECT_EQ(b.at("base_url").as_string(), gw.fake->base_url());
  EXPECT_TRUE(b.at("reachable").as_bool());
  EXPECT_TRUE(b.at("circuit").is_null());
  EXPECT_EQ(b.at("loaded_models").as_array().size(), 1u);
  EXPECT_EQ(b.at("loaded_models").as_array()[0].as_string(), "qwen3-8b");
  EXPECT_EQ(b.at("in_flight").as_int64(), 0);
  EXPECT_EQ(b.at("queued").as_int64(), 0);
}

TEST(AdminApi, StatusSaysWhenTheUpstreamIsDown) {
  GatewayUnderTest gw({.fake = std::nullopt,
                       .env = {{"INFERENCE_INFERENCE_BASE_URL", "http://127.0.0.1:9"},
                               {"INFERENCE_INFERENCE_HTTP_MAX_RETRIES", "0"}}});
  auto res = http_call(gw.port, "GET", "/admin/status");
  ASSERT_EQ(res.status, 200) << res.body;
  const json::value body = res.json();
  const auto& b = body.at("backends").as_array()[0].as_object();
  EXPECT_FALSE(b.at("reachable").as_bool());
  EXPECT_FALSE(b.at("detail").as_string().empty());
}

TEST(AdminApi, TheEventFeedStreamsRequestsAsTheyEnd) {
  GatewayUnderTest gw({});
  TestConnection feed(gw.port);
  feed.send_request("GET", "/admin/events");
  auto head = feed.read_head();
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Type"), "text/event-stream");
  auto hello = feed.read_event();
  ASSERT_TRUE(hello);
  EXPECT_NE(hello->find("event: hello"), std::string::npos) << *hello;

  auto chat = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi"),
                        {{"X-Request-Id", "feed-test-1"}});
  ASSERT_EQ(chat.status, 200);
  (void)http_call(gw.port, "GET", "/v1/models");  // not shown: a quiet probe
  auto bad = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("no-such-model", "hi"),
                       {{"X-Request-Id", "feed-test-2"}});
  ASSERT_EQ(bad.status, 404);

  auto first = feed.read_event(3s);
  ASSERT_TRUE(first);
  auto e = data_of(*first);
  EXPECT_NE(first->find("id: 1"), std::string::npos) << *first;
  EXPECT_EQ(e.at("request_id").as_string(), "feed-test-1");
  EXPECT_EQ(e.at("route").as_string(), "/v1/chat/completions");
  EXPECT_EQ(e.at("dialect").as_string(), "openai");
  EXPECT_EQ(e.at("requested_model").as_string(), "llama3.3");
  EXPECT_EQ(e.at("model").as_string(), "llama3.3");
  EXPECT_EQ(e.at("backend").as_string(), "default");
  EXPECT_EQ(e.at("status").as_int64(), 200);
  EXPECT_GT(e.at("tokens_out").as_int64(), 0);
  EXPECT_FALSE(e.at("cancelled").as_bool());
  EXPECT_FALSE(e.contains("prompt"));  // ui.log_content is off
  auto second = feed.read_event(3s);
  ASSERT_TRUE(second);
  auto e2 = data_of(*second);
  EXPECT_EQ(e2.at("request_id").as_string(), "feed-test-2");
  EXPECT_EQ(e2.at("status").as_int64(), 404);
  EXPECT_EQ(e2.at("error").as_string(), "model_not_found");

  // A reader that comes back resumes after what it saw.
  TestConnection again(gw.port);
  again.send_request("GET", "/admin/events?since=1");
  ASSERT_EQ(again.read_head().status, 200);
  ASSERT_TRUE(again.read_event());  // hello
  auto resumed = again.read_event(3s);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(data_of(*resumed).at("request_id").as_string(), "feed-test-2");

  // Readers leaving are not counted as cancelled requests.
  feed.close();
  again.close();
  std::this_thread::sleep_for(400ms);
  auto metrics = http_call(gw.port, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("roci_cancellations_total 0"), std::string::npos) << metrics.body;
}

TEST(AdminApi, ContentAppearsOnlyWithLogContent) {
  GatewayUnderTest gw({.env = {{"INFERENCE_UI_LOG_CONTENT", "true"}}});
  ASSERT_EQ(
      http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "tell me")).status,
      200);
  TestConnection feed(gw.port);
  feed.send_request("GET", "/admin/events");
  ASSERT_EQ(feed.read_head().status, 200);
  ASSERT_TRUE(feed.read_event());  // hello
  auto event = feed.read_event(3s);
  ASSERT_TRUE(event);
  auto e = data_of(*event);
  EXPECT_EQ(e.at("prompt").as_string(), "tell me");
  EXPECT_NE(e.at("answer").as_string().find("tell me"), std::string::npos);  // the fake echoes
}

TEST(AdminApi, SeriesCountsWhatHappened) {
  GatewayUnderTest gw({});
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(http_call(gw.port, "POST", "/v1/chat/completions",
                        chat_body("llama3.3", "hi", /*stream=*/true))
                  .status,
              200);
  }
  auto res = http_call(gw.port, "GET", "/admin/series");
  ASSERT_EQ(res.status, 200);
  const auto body = res.json().as_object();
  EXPECT_EQ(body.at("bucket_secs").as_int64(), 5);
  const auto& points = body.at("points").as_array();
  ASSERT_EQ(points.size(), 120u);
  std::int64_t requests = 0;
  bool has_ttft = false;
  for (const auto& p : points) {
    requests += p.at("requests").as_int64();
    has_ttft = has_ttft || !p.at("ttft_p50_ms").is_null();
  }
  EXPECT_EQ(requests, 3);
  EXPECT_TRUE(has_ttft);
}

TEST(AdminApi, TheFeedEndsOnShutdown) {
  GatewayUnderTest gw({});
  TestConnection feed(gw.port);
  feed.send_request("GET", "/admin/events");
  ASSERT_EQ(feed.read_head().status, 200);
  ASSERT_TRUE(feed.read_event());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(gw.process->stop(SIGTERM, 5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(feed.read_event(1s));
  EXPECT_TRUE(feed.wait_for_close(1s));
}

TEST(Console, FilesAreServedWithEtagsAnd304) {
  GatewayUnderTest gw({});
  auto index = http_call(gw.port, "GET", "/ui/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index.header("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_NE(index.body.find("/ui/app.js"), std::string::npos);
  const std::string etag = index.header("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = http_call(gw.port, "GET", "/ui/", {}, {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("Content-Length"), "");
  auto js = http_call(gw.port, "GET", "/ui/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http_call(gw.port, "GET", "/ui/missing.js").status, 404);
  EXPECT_EQ(http_call(gw.port, "POST", "/ui/", "{}", {{"Content-Type", "application/json"}}).status,
            405);
}

TEST(Console, RootRedirectsBrowsersOnly) {
  GatewayUnderTest gw({});
  auto browser =
      http_call(gw.port, "GET", "/", {}, {{"Accept", "text/html,application/xhtml+xml"}});
  EXPECT_EQ(browser.status, 302);
  EXPECT_EQ(browser.header("Location"), "/ui/");
  auto api = http_call(gw.port, "GET", "/");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.json().at("error").at("code").as_string(), "unknown_route");
}

TEST(Console, WithKeysTheFilesArePublicAndTheAdminApiNeedsAKey) {
  GatewayUnderTest gw({.env = {{"INFERENCE_AUTH_API_KEYS", kConsoleKey}}});
  EXPECT_EQ(http_call(gw.port, "GET", "/ui/").status, 200);
  EXPECT_EQ(http_call(gw.port, "GET", "/", {}, {{"Accept", "text/html"}}).status, 302);
  for (const char* path : {"/admin/status", "/admin/events", "/admin/series"}) {
    EXPECT_EQ(http_call(gw.port, "GET", path).status, 401) << path;
  }
  auto status = http_call(gw.port, "GET", "/admin/status", {},
                          {{"Authorization", std::string("Bearer ") + kConsoleKey}});
  EXPECT_EQ(status.status, 200);
  EXPECT_TRUE(status.json().at("gateway").at("keys_required").as_bool());
}

TEST(Console, DisabledMeansNotFound) {
  GatewayUnderTest gw({.env = {{"INFERENCE_UI_ENABLED", "false"}}});
  for (const char* path :
       {"/ui/", "/ui/app.js", "/admin/status", "/admin/events", "/admin/series"}) {
    EXPECT_EQ(http_call(gw.port, "GET", path).status, 404) << path;
  }
  EXPECT_EQ(http_call(gw.port, "GET", "/", {}, {{"Accept", "text/html"}}).status, 404);
}

// An address of this host that is not loopback, or "" when it has none.
std::string non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {};
  std::string found;
  for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) found = text;
  }
  freeifaddrs(list);
  return found;
}

// GET `path` from `ip` (so the gateway sees that address as the peer); the status code.
int status_from(const std::string& ip, unsigned short port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int status = 0;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[64] = {};
      if (read(fd, buf, sizeof buf - 1) > 12) status = std::atoi(buf + 9);
    }
  }
  close(fd);
  return status;
}

TEST(Console, WithoutKeysOnlyLoopbackPeersAreServed) {
  const std::string ip = non_loopback_ipv4();
  if (ip.empty()) GTEST_SKIP() << "this host has no non-loopback IPv4 address";
  GatewayUnderTest gw({.env = {{"INFERENCE_SERVER_HOST", "0.0.0.0"}}});
  EXPECT_EQ(status_from("127.0.0.1", gw.port, "/admin/status"), 200);
  EXPECT_EQ(status_from(ip, gw.port, "/admin/status"), 403);
  EXPECT_EQ(status_from(ip, gw.port, "/ui/"), 403);
  EXPECT_EQ(status_from(ip, gw.port, "/v1/models"), 200);  // the API itself is not affected
}

}  // namespace
}  // namespace roci::testing
