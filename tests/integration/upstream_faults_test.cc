// Every upstream fault, end to end: the real inference-server in front of the fake LM Studio. Each
// case checks the documented answer (an OpenAI error envelope with its status, or for a stream that
// already started a `data: {"error":...}` event and no [DONE]), a gateway log line naming the
// cause, and that the gateway then serves the next normal request. Also the retries: transient
// failures before anything reached the client are sent again with backoff (README "Upstream
// retries"); nothing that a client may already have seen is ever replayed.
//
// Covered elsewhere: a model the gateway's own resolution cannot find (404 listing the models) in
// errors_test.cc (ModelNotFoundIs404ListingModels); an upstream error event mid-stream in
// streaming_test.cc (UpstreamErrorEventIsForwardedAsErrorEvent).
#include "integration/gateway_fixture.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

namespace roci::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kChat = "/v1/chat/completions";

json::object error_of(const TestResponse& res) {
  const auto v = res.json();
  if (!v.is_object() || !v.as_object().contains("error")) return {};
  return v.at("error").as_object();
}

std::string message_of(const json::object& error) {
  const auto* m = error.if_contains("message");
  return m && m->is_string() ? std::string(m->as_string()) : std::string();
}

std::string code_of(const json::object& error) {
  const auto* c = error.if_contains("code");
  return c && c->is_string() ? std::string(c->as_string()) : std::string();
}

// A streamed chat request on its own connection, read to the end.
struct StreamReply {
  int status = 0;
  std::string raw;                // everything received
  std::vector<std::string> data;  // SSE data payloads (status 200)
  std::chrono::milliseconds took{};

  bool done() const { return !data.empty() && data.back() == "[DONE]"; }
  bool body_terminated() const { return raw.ends_with("0\r\n\r\n"); }
  // The final event's error object (empty when the last event is not an error).
  json::object last_error() const {
    if (data.empty()) return {};
    boost::system::error_code ec;
    auto v = json::parse(data.back(), ec);
    if (ec || !v.is_object() || !v.as_object().contains("error")) return {};
    return v.at("error").as_object();
  }
  std::string text() const {
    std::string out;
    for (const auto& d : data) {
      boost::system::error_code ec;
      auto v = json::parse(d, ec);
      if (ec || !v.is_object()) continue;
      const auto* choices = v.as_object().if_contains("choices");
      if (!choices || !choices->is_array() || choices->as_array().empty()) continue;
      const auto* content = choices->as_array()[0].at("delta").as_object().if_contains("content");
      if (content && content->is_string()) out += content->as_string();
    }
    return out;
  }
};

StreamReply stream_chat(unsigned short port, std::string_view prompt = "a b c d e f g h") {
  TestConnection c(port);
  const auto start = Clock::now();
  c.send(raw_post(kChat, chat_body("llama3.3", prompt, true), "Connection: close\r\n"));
  StreamReply out;
  out.raw = c.read_to_eof(20s);
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (out.raw.rfind("HTTP/1.1 ", 0) == 0) out.status = std::stoi(out.raw.substr(9, 3));
  const auto head_end = out.raw.find("\r\n\r\n");
  if (out.status == 200 && head_end != std::string::npos) {
    out.data = sse_data(parse_response(out.raw).body);
  }
  return out;
}

TestResponse chat(unsigned short port, std::string_view prompt = "x") {
  return http_call(port, "POST", kChat, chat_body("llama3.3", prompt));
}

std::size_t chat_requests(const FakeUpstream& fake) {
  std::size_t n = 0;
  for (const auto& r : fake.requests()) n += r.path() == kChat;
  return n;
}

std::vector<RecordedRequest> chats(const FakeUpstream& fake) {
  std::vector<RecordedRequest> out;
  for (auto& r : fake.requests()) {
    if (r.path() == kChat) out.push_back(std::move(r));
  }
  return out;
}

// The gateway logs the cause (the access line's message, or a retry warning).
void expect_logged(const GatewayUnderTest& gw, const std::string& text) {
  EXPECT_TRUE(gw.process->wait_for_output(text, 5s))
      << "the gateway log does not mention \"" << text << "\":\n"
      << gw.log();
}

void expect_serves_next(const GatewayUnderTest& gw) {
  auto res = chat(gw.port, "next one");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("Echo: next one"), std::string::npos) << res.body;
}

Fault at_chat(Fault f) {
  f.path = std::string(kChat);
  return f;
}

// A port on 127.0.0.1 where nothing listens (connecting is refused).
unsigned short dead_port() {
  FakeUpstream probe;
  return probe.port();
}

// A TCP address that black-holes SYNs: a listener with backlog 0 whose accept queue is full and
// never drained, so the kernel drops further connection attempts (Linux) and connects hang.
class BlackHole {
 public:
  BlackHole() {
    // CLOEXEC: the gateway started later must not inherit (and keep) these sockets.
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    // Inherited by the queued connections: the port can be bound again right after release().
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 0) != 0) {
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    // Fill the queue until one connect hangs: that one proves SYNs are dropped now.
    for (int i = 0; i < 16 && !holding_; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers_.push_back(fd);
      pollfd p{fd, POLLOUT, 0};
      holding_ = ::poll(&p, 1, 200) == 0;
    }
  }
  ~BlackHole() { release(); }
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;

  bool holding() const { return holding_; }
  unsigned short port() const { return port_; }
  // Closes the listener and the queued connections: the port is free again.
  void release() {
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
    for (int fd : fillers_) ::close(fd);
    fillers_.clear();
  }

 private:
  int listener_ = -1;
  unsigned short port_ = 0;
  bool holding_ = false;
  std::vector<int> fillers_;
};

// Peak resident memory of a process in kB (0 when unknown).
long peak_rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// ---- connecting ------------------------------------------------------------------------------

TEST(UpstreamFaults, ConnectionRefusedIs502AfterRetriesThenRecovers) {
  const unsigned short port = dead_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  GatewayUnderTest gw({.fake = std::nullopt,
                       .env = {{"INFERENCE_INFERENCE_BASE_URL", url},
                               {"INFERENCE_INFERENCE_DEFAULT_MODEL", "llama3.3"}}});
  auto res = chat(gw.port);
  EXPECT_EQ(res.status, 502) << res.body;
  const auto error = error_of(res);
  EXPECT_EQ(code_of(error), "upstream_unreachable");
  EXPECT_EQ(error.at("type"), "api_error");
  EXPECT_NE(message_of(error).find("connection refused"), std::string::npos) << res.body;
  EXPECT_NE(message_of(error).find(url), std::string::npos) << res.body;
  expect_logged(gw, "connection refused");
  expect_logged(gw, "upstream retry 2/2");  // refused connections are retried, then reported

  FakeOptions revived;
  revived.port = port;
  FakeUpstream fake(revived);
  expect_serves_next(gw);
}

TEST(UpstreamFaults, RefusedConnectionThatComesUpDuringTheBackoffSucceeds) {
  const unsigned short port = dead_port();
  GatewayUnderTest gw(
      {.fake = std::nullopt,
       .env = {{"INFERENCE_INFERENCE_BASE_URL", "http://127.0.0.1:" + std::to_string(port)},
               {"INFERENCE_INFERENCE_DEFAULT_MODEL", "llama3.3"},
               {"INFERENCE_INFERENCE_HTTP_MAX_RETRIES", "5"},
               {"INFERENCE_INFERENCE_HTTP_RETRY_BACKOFF_MS", "400"}}});
  std::unique_ptr<FakeUpstream> fake;
  std::thread starter([&] {
    // The first refusal is logged, then the gateway waits >= 320 ms: LM Studio "starts" now.
    if (gw.process->wait_for_output("upstream retry 1/5", 10s)) {
      FakeOptions o;
      o.port = port;
      fake = std::make_unique<FakeUpstream>(o);
    }
  });
  auto res = chat(gw.port, "late start");
  starter.join();
  ASSERT_TRUE(fake) << gw.log();
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("Echo: late start"), std::string::npos) << res.body;
  EXPECT_EQ(chat_requests(*fake), 1u);
}

TEST(UpstreamFaults, ConnectTimeoutOnABlackHoledAddressIs504) {
  BlackHole hole;
  if (!hole.holding()) GTEST_SKIP() << "the kernel completes connects beyond the backlog";
  const std::string url = "http://127.0.0.1:" + std::to_string(hole.port());
  GatewayUnderTest gw({.fake = std::nullopt,
                       .env = {{"INFERENCE_INFERENCE_BASE_URL", url},
                               {"INFERENCE_INFERENCE_DEFAULT_MODEL", "llama3.3"},
                               {"INFERENCE_INFERENCE_HTTP_CONNECT_TIMEOUT_SECS", "1"},
                               {"INFERENCE_INFERENCE_HTTP_MAX_RETRIES", "1"}}});
  const auto start = Clock::now();
  auto res = chat(gw.port);
  const auto took = Clock::now() - start;
  EXPECT_EQ(res.status, 504) << res.body;
  EXPECT_EQ(code_of(error_of(res)), "connect_timeout") << res.body;
  EXPECT_NE(message_of(error_of(res)).find("no connection within 1 s"), std::string::npos)
      << res.body;
  // The model list and the chat call each: 1 s, a backoff (~100 ms), 1 s again.
  EXPECT_LT(took, 8s);
  expect_logged(gw, "no connection within 1 s (connect)");
  expect_logged(gw, "upstream retry 1/1");  // a connect timeout is retried: nothing was sent

  hole.release();
  FakeOptions revived;
  revived.port = hole.port();
  FakeUpstream fake(revived);
  expect_serves_next(gw);
}

// ---- waiting for the answer -------------------------------------------------------------------

TEST(UpstreamFaults, FirstByteLaterThanTheTimeoutIs504AndNotRetried) {
  GatewayUnderTest gw({.env = {{"INFERENCE_INFERENCE_HTTP_FIRST_BYTE_TIMEOUT_SECS", "1"}}});
  gw.fake->script(at_chat({.header_delay = 3s}));
  const auto start = Clock::now();
  auto res = chat(gw.port);
  EXPECT_LT(Clock::now() - start, 2500ms);
  EXPECT_EQ(res.status, 504) << res.body;
  EXPECT_EQ(code_of(error_of(res)), "first_byte_timeout") << res.body;
  expect_logged(gw, "did not send a response within 1 s (first byte)");
  // The upstream may be generating: a retry would run the generation twice.
  EXPECT_EQ(chat_requests(*gw.fake), 1u);
  EXPECT_TRUE(gw.fake->wait_for_client_close(2s)) << "the timed-out request was not closed";
  expect_serves_next(gw);
}

TEST(UpstreamFaults, StreamFirstEventLaterThanTheTimeoutIs504) {
  GatewayUnderTest gw({.env = {{"INFERENCE_INFERENCE_HTTP_FIRST_BYTE_TIMEOUT_SECS", "1"}}});
  gw.fake->script(at_chat({.header_delay = 3s}));
  auto reply = stream_chat(gw.port);
  EXPECT_EQ(reply.status, 504) << reply.raw;
  EXPECT_NE(reply.raw.find("first_byte_timeout"), std::string::npos) << reply.raw;
  EXPECT_EQ(chat_requests(*gw.fake), 1u);
  expect_logged(gw, "(first byte)");
  expect_serves_next(gw);
}

TEST(UpstreamFaults, IdleGapMidStreamIsAnErrorEventAndClosesTheStream) {
  GatewayUnderTest gw({.env = {{"INFERENCE_INFERENCE_HTTP_STREAM_IDLE_TIMEOUT_SECS", "1"}}});
  gw.fake->script(at_chat({.gap_after_chunks = 2, .gap = 4s}));
  auto reply = stream_chat(gw.port);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_LT(reply.took, 3s) << "the stream was not cut after the idle timeout";
  EXPECT_FALSE(reply.done()) << reply.raw;
  EXPECT_TRUE(reply.body_terminated()) << reply.raw;
  EXPECT_FALSE(reply.text().empty()) << "the events before the gap were forwarded";
  const auto error = reply.last_error();
  ASSERT_FALSE(error.empty()) << reply.raw;
  EXPECT_EQ(code_of(error), "idle_timeout") << reply.raw;
  expect_logged(gw, "sent nothing for 1 s in the middle of a stream");
  EXPECT_TRUE(gw.fake->wait_for_client_close(2s)) << "the stalled upstream stream was not closed";
  EXPECT_EQ(chat_requests(*gw.fake), 1u);
  expect_serves_next(gw);
}

// ---- broken answers ---------------------------------------------------------------------------

TEST(UpstreamFaults, UpstreamClosingMidStreamIsAnErrorEventAndNeverRetried) {
  // Also the retry rule for streams: tokens were forwarded, so the request is never sent again.
  for (bool reset : {false, true}) {
    GatewayUnderTest gw({});
    Fault cut = Fault::cut_after(3, std::string(kChat));
    cut.reset = reset;
    gw.fake->script(cut);
    auto reply = stream_chat(gw.port);
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_FALSE(reply.text().empty()) << reply.raw;
    EXPECT_FALSE(reply.done()) << reply.raw;
    EXPECT_TRUE(reply.body_terminated()) << reply.raw;
    const auto error = reply.last_error();
    ASSERT_FALSE(error.empty()) << reply.raw;
    EXPECT_EQ(error.at("type"), "api_error");
    expect_logged(gw, "connection closed mid-stream");
    EXPECT_EQ(chat_requests(*gw.fake), 1u) << "a stream that forwarded tokens was retried";
    EXPECT_EQ(gw.log().find("upstream retry"), std::string::npos) << gw.log();
    expect_serves_next(gw);
  }
}

TEST(UpstreamFaults, MalformedJsonBodyIs502) {
  GatewayUnderTest gw({});
  gw.fake->script(at_chat({.kind = Fault::Kind::kMalformedJson}));
  auto res = chat(gw.port);
  EXPECT_EQ(res.status, 502) << res.body;
  EXPECT_EQ(error_of(res).at("type"), "api_error");
  EXPECT_NE(message_of(error_of(res)).find("malformed"), std::string::npos) << res.body;
  expect_logged(gw, "malformed chat completion");
  EXPECT_EQ(chat_requests(*gw.fake), 1u);
  expect_serves_next(gw);
}

TEST(UpstreamFaults, MalformedSseLineMidStreamIsAnErrorEvent) {
  GatewayUnderTest gw({});
  gw.fake->script(at_chat({.malformed_sse_after_chunks = 2}));
  auto reply = stream_chat(gw.port);
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_FALSE(reply.done()) << reply.raw;
  EXPECT_TRUE(reply.body_terminated()) << reply.raw;
  const auto error = reply.last_error();
  ASSERT_FALSE(error.empty()) << reply.raw;
  EXPECT_NE(message_of(error).find("malformed"), std::string::npos) << reply.raw;
  expect_logged(gw, "malformed stream chunk");
  EXPECT_EQ(chat_requests(*gw.fake), 1u);
  expect_serves_next(gw);
}

TEST(UpstreamFaults, MalformedFirstSseEventIs502BeforeTheStreamStarts) {
  GatewayUnderTest gw({});
  gw.fake->script(at_chat({.malformed_sse_after_chunks = 0}));
  auto reply = stream_chat(gw.port);
  EXPECT_EQ(reply.status, 502) << reply.raw;
  EXPECT_NE(reply.raw.find("malformed"), std::string::npos) << reply.raw;
  expect_logged(gw, "malformed stream chunk");
  expect_serves_next(gw);
}

TEST(UpstreamFaults, Http200WithAnErrorBodyIsMappedToItsStatus) {
  struct Case {
    std::string body;
    int status;
    std::string code;
  } cases[] = {
      {R"({"error":"The number of tokens to keep from the initial prompt is greater than the context length"})",
       400, "context_length_exceeded"},
      {R"({"error":{"message":"Model \"llama3.3\" not found. Please specify a valid model.\n\nYour models:\n\nqwen3\ngemma-3","type":"invalid_request_error","param":"model","code":"model_not_found"}})",
       404, "model_not_found"},
      {R"({"error":"Compute error."})", 502, "upstream_error"},
  };
  GatewayUnderTest gw({});
  for (const auto& c : cases) {
    for (bool stream : {false, true}) {
      gw.fake->script(Fault::respond(200, c.body, std::string(kChat)));
      auto res = http_call(gw.port, "POST", kChat, chat_body("llama3.3", "x", stream));
      EXPECT_EQ(res.status, c.status) << res.body;
      EXPECT_EQ(code_of(error_of(res)), c.code) << res.body;
      EXPECT_EQ(res.header("content-type").rfind("application/json", 0), 0u);
    }
  }
  expect_logged(gw, "returned 200 with an error body");
  expect_serves_next(gw);
}

TEST(UpstreamFaults, UpstreamModelNotFoundIs404WithTheModelList) {
  // Two models loaded: LM Studio answers an unknown (here: just unloaded) name with 404 and lists
  // what it has.
  FakeOptions o;
  o.models = {{"qwen3"}, {"gemma-3"}};
  o.single_model_serves_any_name = false;
  GatewayUnderTest gw({.fake = o});
  gw.fake->script(Fault::respond(
      404,
      R"({"error":{"message":"Model \"qwen3\" not found. Please specify a valid model.\n\nYour models:\n\ngemma-3","type":"invalid_request_error","param":"model","code":"model_not_found"}})",
      std::string(kChat)));
  auto res = http_call(gw.port, "POST", kChat, chat_body("qwen3", "x"));
  EXPECT_EQ(res.status, 404) << res.body;
  const auto error = error_of(res);
  EXPECT_EQ(code_of(error), "model_not_found");
  EXPECT_EQ(error.at("type"), "invalid_request_error");
  ASSERT_TRUE(error.contains("available_models")) << res.body;
  EXPECT_EQ(error.at("available_models"), json::parse(R"(["gemma-3"])")) << res.body;
  expect_logged(gw, "returned 404: Model 'qwen3' not found");
  EXPECT_EQ(chat_requests(*gw.fake), 1u);
  auto next = http_call(gw.port, "POST", kChat, chat_body("qwen3", "next one"));
  EXPECT_EQ(next.status, 200) << next.body;
}

TEST(UpstreamFaults, Upstream500Is500AndNotRetried) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::respond(500, R"({"error":"Compute error."})", std::string(kChat)));
  auto res = chat(gw.port);
  EXPECT_EQ(res.status, 500) << res.body;
  EXPECT_EQ(error_of(res).at("type"), "api_error");
  EXPECT_NE(message_of(error_of(res)).find("Compute error."), std::string::npos);
  expect_logged(gw, "returned 500: Compute error.");
  EXPECT_EQ(chat_requests(*gw.fake), 1u);
  expect_serves_next(gw);
}

TEST(UpstreamFaults, Upstream5xxHtmlPageIs500QuotingIt) {
  // A proxy in front of LM Studio answers with an HTML page: still an upstream 5xx, quoted.
  GatewayUnderTest gw({});
  Fault html =
      Fault::respond(504, "<html><body>Gateway Time-out</body></html>", std::string(kChat));
  html.content_type = "text/html";
  gw.fake->script(html);
  auto res = chat(gw.port);
  EXPECT_EQ(res.status, 500) << res.body;
  EXPECT_NE(message_of(error_of(res)).find("Gateway Time-out"), std::string::npos) << res.body;
  expect_logged(gw, "returned 504");
  expect_serves_next(gw);
}

// ---- retries -----------------------------------------------------------------------------------

TEST(UpstreamFaults, A503OnceIsRetriedAndTheClientGets200) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::respond(503, R"({"error":"busy"})", std::string(kChat)));
  auto res = chat(gw.port, "after a 503");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("Echo: after a 503"), std::string::npos) << res.body;
  EXPECT_EQ(chat_requests(*gw.fake), 2u);
  expect_logged(gw, "upstream retry 1/2");
  expect_logged(gw, "answered HTTP 503");
  auto metrics = http_call(gw.port, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("roci_upstream_retries_total 1\n"), std::string::npos)
      << metrics.body;
}

TEST(UpstreamFaults, A503OnceBeforeAStreamIsRetriedAndTheStreamIsWhole) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::respond(503, R"({"error":"busy"})", std::string(kChat)));
  auto reply = stream_chat(gw.port, "one two");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_TRUE(reply.done()) << reply.raw;
  EXPECT_EQ(reply.text(), "Echo: one two");
  EXPECT_EQ(chat_requests(*gw.fake), 2u);
  expect_logged(gw, "upstream retry 1/2");
}

TEST(UpstreamFaults, A502Or503ThatPersistsIsMappedAfterEveryRetry) {
  for (unsigned status : {502u, 503u}) {
    GatewayUnderTest gw({.env = {{"INFERENCE_INFERENCE_HTTP_RETRY_BACKOFF_MS", "50"}}});
    Fault always = Fault::respond(status, R"({"error":"Model is loading"})", std::string(kChat));
    always.times = 0;  // every request
    gw.fake->script(always);
    auto res = chat(gw.port);
    EXPECT_EQ(res.status, 500) << res.body;  // an upstream 5xx (ARCHITECTURE.md §3)
    EXPECT_EQ(error_of(res).at("type"), "api_error");
    EXPECT_NE(message_of(error_of(res)).find("Model is loading"), std::string::npos) << res.body;
    EXPECT_EQ(chat_requests(*gw.fake), 3u) << "1 + max_retries (2) attempts";
    expect_logged(gw, "upstream retry 2/2");
    expect_logged(gw, "returned " + std::to_string(status) + ": Model is loading");
    gw.fake->clear_script();
    expect_serves_next(gw);
  }
}

TEST(UpstreamFaults, MaxRetriesZeroDisablesRetries) {
  GatewayUnderTest gw({.env = {{"INFERENCE_INFERENCE_HTTP_MAX_RETRIES", "0"}}});
  gw.fake->script(Fault::respond(503, R"({"error":"busy"})", std::string(kChat)));
  auto res = chat(gw.port);
  EXPECT_EQ(res.status, 500) << res.body;
  EXPECT_EQ(chat_requests(*gw.fake), 1u);
  expect_serves_next(gw);
}

// ---- the keep-alive pool -----------------------------------------------------------------------

TEST(UpstreamFaults, PooledSocketClosedJustBeforeReuseIsResentTransparently) {
  GatewayUnderTest gw({});
  ASSERT_EQ(chat(gw.port, "warm").status, 200);
  const std::size_t accepted = gw.fake->connections_accepted();
  // The pooled socket dies the way an expiring keep-alive socket does: request read, no answer.
  gw.fake->script(Fault::close_without_response(std::string(kChat)));
  auto res = chat(gw.port, "resent");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("Echo: resent"), std::string::npos) << res.body;
  const auto seen = chats(*gw.fake);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].connection, seen[0].connection) << "the first attempt reused the pool";
  EXPECT_NE(seen[2].connection, seen[1].connection) << "the resend used a new connection";
  EXPECT_EQ(gw.fake->connections_accepted(), accepted + 1);
  expect_logged(gw, "keep-alive connection found closed");
}

TEST(UpstreamFaults, PooledSocketClosedAfterResponseBytesIsNotResent) {
  GatewayUnderTest gw({});
  ASSERT_EQ(chat(gw.port, "warm").status, 200);
  gw.fake->script(Fault::cut_after(0, std::string(kChat)));  // the head and half a body, then close
  auto res = chat(gw.port);
  EXPECT_EQ(res.status, 502) << res.body;
  EXPECT_NE(message_of(error_of(res)).find("closed the connection in the middle of the response"),
            std::string::npos)
      << res.body;
  EXPECT_EQ(chat_requests(*gw.fake), 2u) << "the cut request was sent again";
  expect_logged(gw, "in the middle of the response");
  expect_serves_next(gw);
}

// ---- limits ------------------------------------------------------------------------------------

TEST(UpstreamFaults, OversizedResponseIsCutAtTheLimitWith502) {
  // HttpOptions::max_response_bytes: 64 MiB. The upstream sends 96 MiB; the gateway stops reading
  // at the limit and closes the connection.
  constexpr std::size_t kLimit = 64u << 20;
  GatewayUnderTest gw({});
  gw.fake->script(at_chat({.kind = Fault::Kind::kOversized, .oversized_bytes = 96u << 20}));
  auto res = chat(gw.port);
  EXPECT_EQ(res.status, 502) << res.body.substr(0, 500);
  EXPECT_NE(message_of(error_of(res)).find("exceeded " + std::to_string(kLimit) + " bytes"),
            std::string::npos)
      << res.body.substr(0, 500);
  expect_logged(gw, "(HttpOptions::max_response_bytes)");
  ASSERT_TRUE(gw.fake->wait_for_idle(10s));
  EXPECT_TRUE(chats(*gw.fake).back().cancelled()) << "the gateway read the whole oversized body";
  const long peak_kb = peak_rss_kb(gw.process->pid());
  EXPECT_LT(peak_kb, 256L * 1024) << "peak RSS " << peak_kb << " kB";  // never the whole body
  expect_serves_next(gw);
}

TEST(UpstreamFaults, OversizedStreamEventIs502BeforeTheStreamStarts) {
  // HttpOptions::max_event_bytes: 8 MiB per server-sent event.
  GatewayUnderTest gw({});
  gw.fake->script(at_chat({.answer = std::string(9u << 20, 'x')}));
  auto reply = stream_chat(gw.port);
  EXPECT_EQ(reply.status, 502) << reply.raw.substr(0, 500);
  EXPECT_NE(reply.raw.find("larger than"), std::string::npos) << reply.raw.substr(0, 500);
  expect_logged(gw, "server-sent event larger than");
  expect_serves_next(gw);
}

}  // namespace
}  // namespace roci::testing
