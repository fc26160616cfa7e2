// Hostile client input against the real binary: every limits.* key and every client deadline,
// each past its limit, with the gateway still serving everybody else afterwards (and meanwhile:
// one I/O thread, INFERENCE_SERVER_THREADS=1, so a slow client must not hold it).
#include "integration/gateway_fixture.h"

#include <algorithm>
#include <cstdlib>

namespace roci::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kModel = "llama3.3";

// Small limits so that a test request crosses each of them.
GatewaySetup small_limits() {
  return {.env = {{"INFERENCE_SERVER_THREADS", "1"},
                  {"INFERENCE_LIMITS_MAX_JSON_DEPTH", "8"},
                  {"INFERENCE_LIMITS_MAX_STRING_BYTES", "1024"},
                  {"INFERENCE_LIMITS_MAX_MESSAGES", "4"},
                  {"INFERENCE_LIMITS_MAX_TOKENS_CEILING", "1000"},
                  {"INFERENCE_LIMITS_MAX_HEADER_COUNT", "20"},
                  {"INFERENCE_LIMITS_MAX_HEADER_BYTES", "4096"}}};
}

std::string param_of(const TestResponse& res) {
  const auto e = error_of(res);
  const auto* p = e.if_contains("param");
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

std::string message_of(const TestResponse& res) {
  const auto e = error_of(res);
  const auto* m = e.if_contains("message");
  return m && m->is_string() ? std::string(m->as_string()) : std::string();
}

TestResponse post_chat(const GatewayUnderTest& gw, std::string body) {
  return http_call(gw.port, "POST", "/v1/chat/completions", std::move(body));
}

std::string messages_json(int count, std::string_view content = "hi") {
  std::string out = "[";
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ",";
    out += R"({"role":"user","content":")" + std::string(content) + "\"}";
  }
  return out + "]";
}

std::string chat_with(std::string_view messages, std::string_view extra = {}) {
  std::string body =
      R"({"model":")" + std::string(kModel) + R"(","messages":)" + std::string(messages);
  if (!extra.empty()) body += "," + std::string(extra);
  return body + "}";
}

// "Field: v" lines: Host plus `count - 1` others.
std::string header_fields(int count) {
  std::string out = "Host: 127.0.0.1\r\n";
  for (int i = 1; i < count; ++i) out += "X-Field-" + std::to_string(i) + ": v\r\n";
  return out;
}

std::size_t chat_requests(const FakeUpstream& fake) {
  std::size_t n = 0;
  for (const auto& r : fake.requests()) n += r.path() == "/v1/chat/completions" ? 1 : 0;
  return n;
}

TEST(HostileInput, JsonLimitsFromTheConfigAre400NamingTheLimit) {
  GatewayUnderTest gw(small_limits());

  // limits.max_json_depth: 8 levels (the body object is one).
  auto res = post_chat(gw, chat_with(messages_json(1), R"("x":[[[[[[[[1]]]]]]]])"));
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_NE(message_of(res).find("nesting deeper than 8 levels"), std::string::npos) << res.body;
  res = post_chat(gw, chat_with(messages_json(1), R"("x":[[[[[[1]]]]]])"));  // 7 levels: fine
  EXPECT_EQ(res.status, 200) << res.body;

  // limits.max_string_bytes: every string, keys included.
  res = post_chat(gw, chat_with(messages_json(1, std::string(1025, 'a'))));
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(param_of(res), "messages[0].content");
  EXPECT_NE(message_of(res).find("longer than 1024 bytes"), std::string::npos) << res.body;
  res = post_chat(gw, chat_with(messages_json(1), "\"" + std::string(1025, 'k') + "\":1"));
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_NE(message_of(res).find("longer than 1024 bytes"), std::string::npos) << res.body;

  // limits.max_messages.
  res = post_chat(gw, chat_with(messages_json(5)));
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(param_of(res), "messages");
  EXPECT_NE(message_of(res).find("at most 4"), std::string::npos) << res.body;

  // limits.max_tokens_ceiling.
  res = post_chat(gw, chat_with(messages_json(1), R"("max_tokens":1001)"));
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(param_of(res), "max_tokens");
  EXPECT_NE(message_of(res).find("between 1 and 1000"), std::string::npos) << res.body;

  const auto reached = chat_requests(*gw.fake);
  res = post_chat(gw, chat_with(messages_json(4, std::string(1024, 'a')), R"("max_tokens":1000)"));
  EXPECT_EQ(res.status, 200) << res.body;  // every limit exactly reached is accepted
  EXPECT_EQ(chat_requests(*gw.fake), reached + 1);
}

TEST(HostileInput, MalformedJsonIs400) {
  GatewayUnderTest gw({});
  struct Case {
    std::string name, body, message, param;
  } cases[] = {
      {"invalid UTF-8",
       chat_with(R"([{"role":"user","content":"bad )"
                 "\xff\xfe"
                 R"( bytes"}])"),
       "UTF-8", ""},
      {"NaN", chat_with(messages_json(1), R"("temperature":NaN)"), "NaN and Infinity", ""},
      {"Infinity", chat_with(messages_json(1), R"("temperature":Infinity)"), "NaN and Infinity",
       ""},
      {"-Infinity", chat_with(messages_json(1), R"("top_p":-Infinity)"), "NaN and Infinity", ""},
      {"huge number", chat_with(messages_json(1), R"("temperature":1e999)"), "too large", ""},
      {"duplicate top-level key",
       R"({"model":"a","model":"b","messages":)" + messages_json(1) + "}", "duplicate key",
       "model"},
      {"duplicate nested key", chat_with(R"([{"role":"user","role":"system","content":"x"}])"),
       "duplicate key", "messages[0].role"},
  };
  for (const auto& c : cases) {
    auto res = post_chat(gw, c.body);
    EXPECT_EQ(res.status, 400) << c.name << ": " << res.body;
    EXPECT_EQ(error_of(res)["type"], "invalid_request_error") << c.name;
    EXPECT_NE(message_of(res).find(c.message), std::string::npos) << c.name << ": " << res.body;
    if (!c.param.empty()) {
      EXPECT_EQ(param_of(res), c.param) << c.name << ": " << res.body;
    }
  }
  EXPECT_EQ(chat_requests(*gw.fake), 0u) << "invalid requests must not reach the upstream";
}

TEST(HostileInput, WrongTypesAre400NamingEachField) {
  GatewayUnderTest gw({});
  struct Case {
    std::string body, param;
  } cases[] = {
      {chat_with(R"("hello")"), "messages"},
      {chat_with(R"({"role":"user","content":"x"})"), "messages"},
      {chat_with(R"([{"role":1,"content":"x"}])"), "messages[0].role"},
      {chat_with(R"([{"role":"user","content":"x"},{"role":"user","content":7}])"),
       "messages[1].content"},
      {chat_with(messages_json(1), R"("temperature":"hot")"), "temperature"},
      {chat_with(messages_json(1), R"("stop":{"a":1})"), "stop"},
      {chat_with(messages_json(1), R"("stream":"yes")"), "stream"},
      {chat_with(messages_json(1), R"("tools":{"type":"function"})"), "tools"},
      {chat_with(messages_json(1), R"("max_tokens":1.5)"), "max_tokens"},
      {R"({"model":5,"messages":)" + messages_json(1) + "}", "model"},
  };
  for (const auto& c : cases) {
    auto res = post_chat(gw, c.body);
    EXPECT_EQ(res.status, 400) << c.body << " -> " << res.body;
    EXPECT_EQ(param_of(res), c.param) << c.body << " -> " << res.body;
    EXPECT_NE(message_of(res).find(c.param), std::string::npos) << res.body;
  }
  EXPECT_EQ(chat_requests(*gw.fake), 0u) << "invalid requests must not reach the upstream";
}

TEST(HostileInput, InvalidChunkedEncodingIs400AndClosesTheConnection) {
  GatewayUnderTest gw({});
  TestConnection raw(gw.port);
  raw.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "zz\r\n{}\r\n0\r\n\r\n");
  const std::string text = raw.read_to_eof(10s);
  EXPECT_EQ(raw_statuses(text), std::vector<int>{400}) << text;
  EXPECT_NE(text.find("Connection: close"), std::string::npos) << text;
  EXPECT_TRUE(raw.closed()) << "the connection must be closed after a malformed body";
  EXPECT_EQ(chat_requests(*gw.fake), 0u);
  // Everybody else is still served.
  auto res = post_chat(gw, chat_body(kModel, "still there"));
  EXPECT_EQ(res.status, 200) << res.body;
}

// A client that sends `partial` and then nothing, to a gateway with one I/O thread and a 2 s
// `timeout_key`: another client is served meanwhile, and the slow one is cut off after the
// deadline. Returns what the slow client received before the close.
std::string slow_client_is_cut_off(const std::string& timeout_key, std::string_view partial) {
  auto setup = small_limits();
  setup.env[timeout_key] = "2";
  GatewayUnderTest gw(setup);
  TestConnection slow(gw.port);
  const auto t0 = Clock::now();
  slow.send(partial);
  auto res = post_chat(gw, chat_body(kModel, "meanwhile"));
  const auto served_after = since(t0);
  EXPECT_EQ(res.status, 200) << res.body;
  const std::string text = slow.read_to_eof(15s);
  const auto cut_after = since(t0);
  EXPECT_TRUE(slow.closed());
  EXPECT_LT(served_after, cut_after) << "the normal request waited for the slow one";
  EXPECT_GE(cut_after, 1500ms);
  EXPECT_LT(cut_after, 8s);
  return text;
}

TEST(HostileInput, SlowBodyIsCutOffWhileOthersAreServedOnTheOneThread) {
  const std::string text = slow_client_is_cut_off(
      "INFERENCE_SERVER_REQUEST_BODY_TIMEOUT_SECS",
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":\"");  // 10 bytes
  EXPECT_TRUE(text.empty() || text.starts_with("HTTP/1.1 408")) << text;
}

TEST(HostileInput, SlowHeadersAreCutOffWhileOthersAreServedOnTheOneThread) {
  const std::string text =
      slow_client_is_cut_off("INFERENCE_SERVER_REQUEST_HEADER_TIMEOUT_SECS",
                             "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  EXPECT_TRUE(text.empty()) << text;  // not a request yet: just closed
}

TEST(HostileInput, HeaderFloodIs431NamingTheLimit) {
  {
    GatewayUnderTest gw(small_limits());  // limits.max_header_count 20
    TestConnection ok(gw.port);
    ok.send("GET /v1/models HTTP/1.1\r\n" + header_fields(19) + "Connection: close\r\n\r\n");
    EXPECT_EQ(raw_statuses(ok.read_to_eof()), std::vector<int>{200});  // 20 with Connection
    TestConnection flood(gw.port);
    flood.send("GET /v1/models HTTP/1.1\r\n" + header_fields(30) + "\r\n");
    const std::string text = flood.read_to_eof();
    EXPECT_EQ(raw_statuses(text), std::vector<int>{431}) << text;
    EXPECT_NE(text.find("limits.max_header_count is 20"), std::string::npos) << text;
    EXPECT_TRUE(flood.closed());
  }
  GatewayUnderTest gw({});  // the default, 100
  TestConnection at_limit(gw.port);
  at_limit.send("GET /v1/models HTTP/1.1\r\n" + header_fields(99) + "Connection: close\r\n\r\n");
  EXPECT_EQ(raw_statuses(at_limit.read_to_eof()), std::vector<int>{200});
  TestConnection flood(gw.port);
  flood.send("GET /v1/models HTTP/1.1\r\n" + header_fields(101) + "\r\n");
  const std::string text = flood.read_to_eof();
  EXPECT_EQ(raw_statuses(text), std::vector<int>{431}) << text;
  EXPECT_NE(text.find("limits.max_header_count is 100"), std::string::npos) << text;
}

TEST(HostileInput, RequestLineLongerThanTheHeaderLimitIs431) {
  GatewayUnderTest gw(small_limits());  // limits.max_header_bytes 4096
  TestConnection raw(gw.port);
  raw.send("GET /v1/models/" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const std::string text = raw.read_to_eof();
  EXPECT_EQ(raw_statuses(text), std::vector<int>{431}) << text;
  EXPECT_NE(text.find("limits.max_header_bytes"), std::string::npos) << text;
  EXPECT_TRUE(raw.closed());
  auto res = http_call(gw.port, "GET", "/v1/models");
  EXPECT_EQ(res.status, 200);
}

TEST(HostileInput, PipelinedRequestsInOneWriteAreAnsweredInOrder) {
  GatewayUnderTest gw({});
  TestConnection raw(gw.port);
  raw.send(raw_post("/v1/chat/completions", chat_body(kModel, "first")) +
           "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  const std::string text = raw.read_to_eof(20s);
  EXPECT_EQ(raw_statuses(text), (std::vector<int>{200, 200})) << text;
  const auto chat = text.find("Echo: first");
  const auto models = text.find("\"object\":\"list\"");
  ASSERT_NE(chat, std::string::npos) << text;
  ASSERT_NE(models, std::string::npos) << text;
  EXPECT_LT(chat, models);
  EXPECT_TRUE(raw.closed());
}

TEST(HostileInput, Http10WithoutHostIsServedAndClosed) {
  GatewayUnderTest gw({});
  TestConnection raw(gw.port);
  raw.send("GET /v1/models HTTP/1.0\r\n\r\n");
  const std::string text = raw.read_to_eof();
  EXPECT_TRUE(text.starts_with("HTTP/1.0 200")) << text;
  EXPECT_NE(text.find("Connection: close"), std::string::npos) << text;
  EXPECT_TRUE(raw.closed());
}

// A streaming client that stops reading: the gateway writes one event at a time, so the upstream
// read loop waits with it (no buffering of the answer in the gateway), and at
// server.write_timeout_secs the client is dropped and the upstream connection closed.
TEST(HostileInput, SlowReaderGetsBackpressureAndIsDroppedAtTheWriteDeadline) {
  // Under ASan (the asan preset) freed memory sits in a quarantine and counts in RSS: turn it off
  // for this gateway so RSS follows live memory as it does in a normal build.
  const char* asan = std::getenv("ASAN_OPTIONS");
  GatewayUnderTest gw(
      {.env = {{"INFERENCE_SERVER_THREADS", "1"},
               {"INFERENCE_SERVER_WRITE_TIMEOUT_SECS", "2"},
               {"ASAN_OPTIONS", std::string(asan ? asan : "") + ":quarantine_size_mb=0"}}});
  // Warm up (catalog, upstream pool, allocator) before the idle measurement.
  for (int i = 0; i < 3; ++i) {
    auto res = post_chat(gw, chat_body(kModel, "warm up", true));
    ASSERT_EQ(res.status, 200) << res.body;
  }
  const long idle_kib = gw.process->resident_kib();
  ASSERT_GT(idle_kib, 0);

  // 4,000 tokens of 4 KiB: about 17 MB of SSE, far more than the socket buffers hold.
  const std::string word(4096, 'x');
  std::string answer;
  answer.reserve(4000 * (word.size() + 1));
  for (int i = 0; i < 4000; ++i) answer.append(word).push_back(' ');
  Fault fault;
  fault.path = "/v1/chat/completions";
  fault.answer = std::move(answer);
  gw.fake->script(std::move(fault));

  TestConnection slow(gw.port, 16 * 1024);  // a small window, and it never reads
  const auto t0 = Clock::now();
  slow.send(raw_post("/v1/chat/completions",
                     chat_body(kModel, "long answer", true, R"("max_tokens":4000)")));
  long peak_kib = idle_kib;
  while (since(t0) < 2500ms) {
    peak_kib = std::max(peak_kib, gw.process->resident_kib());
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_LT(peak_kib - idle_kib, 8 * 1024)  // under half the answer (measured: ~100 KiB)
      << "the gateway buffered the answer for a client that does not read (idle " << idle_kib
      << " KiB, peak " << peak_kib << " KiB)";

  // The write deadline drops the client; the upstream sees its connection closed early.
  EXPECT_TRUE(gw.fake->wait_for_client_close(20s)) << gw.log();
  EXPECT_GE(since(t0), 2s);
  bool cancelled = false;
  for (const auto& r : gw.fake->requests()) {
    if (r.path() == "/v1/chat/completions" && r.cancelled()) cancelled = true;
  }
  EXPECT_TRUE(cancelled);
  // Others are served, and by the same thread.
  auto res = post_chat(gw, chat_body(kModel, "after"));
  EXPECT_EQ(res.status, 200) << res.body;
}

}  // namespace
}  // namespace roci::testing
