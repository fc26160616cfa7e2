// The roci CLI end to end: the real binary at a pseudo-terminal or with a pipe on stdin, against
// the fake LM Studio (tests/support) and the real inference-server (mock provider, port 0).
#include "cli/terminal.h"
#include "integration/child_process.h"
#include "integration/gateway_fixture.h"
#include "support/fake_upstream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <chrono>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// The chat requests the fake received, as JSON.
std::vector<boost::json::value> chat_requests(const FakeUpstream& fake) {
  std::vector<boost::json::value> out;
  for (const auto& r : fake.requests()) {
    if (r.path() == "/v1/chat/completions" && r.json) out.push_back(*r.json);
  }
  return out;
}

// [{"role","content"}, ...] of a chat request.
std::vector<std::pair<std::string, std::string>> messages_of(const boost::json::value& request) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : request.at("messages").as_array()) {
    out.emplace_back(std::string(m.at("role").as_string()),
                     std::string(m.at("content").as_string()));
  }
  return out;
}

std::map<std::string, std::string> lmstudio_env(const FakeUpstream& fake) {
  return {{"LMSTUDIO_BASE_URL", fake.base_url()}};
}

// --- The interactive session ---

TEST(RociChatSession, KeepsTheHistoryAndCtrlDLeaves) {
  FakeUpstream fake;
  Terminal t(roci_cli_binary(), {"chat", "lmstudio:llama3.3"}, lmstudio_env(fake));
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type("first question\n");
  ASSERT_TRUE(t.expect("Echo: first question")) << t.output();
  ASSERT_TRUE(t.expect("[llama3.3: ")) << t.output();  // the model and the token counts
  ASSERT_TRUE(t.expect(" completion tokens]")) << t.output();
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type("second one\n");
  ASSERT_TRUE(t.expect("Echo: second one")) << t.output();
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type(Terminal::kCtrlD);
  EXPECT_EQ(t.wait(), 0) << t.output();

  auto requests = chat_requests(fake);
  ASSERT_EQ(requests.size(), 2u);
  using Turn = std::pair<std::string, std::string>;
  EXPECT_EQ(messages_of(requests[1]), (std::vector<Turn>{{"user", "first question"},
                                                         {"assistant", "Echo: first question"},
                                                         {"user", "second one"}}));
}

TEST(RociChatSession, CtrlCStopsTheAnswerClosesTheUpstreamAndTheSessionGoesOn) {
  FakeUpstream fake;
  Fault slow;
  slow.path = "/v1/chat/completions";
  slow.token_delay = 300ms;
  fake.script(slow);
  Terminal t(roci_cli_binary(), {"chat", "lmstudio:llama3.3"}, lmstudio_env(fake));
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type("one two three four five six seven eight nine ten\n");
  ASSERT_TRUE(t.expect("Echo:")) << t.output();
  const auto start = std::chrono::steady_clock::now();
  t.type(Terminal::kCtrlC);
  EXPECT_TRUE(fake.wait_for_client_close(3s));  // the upstream saw the connection close
  ASSERT_TRUE(t.expect("[stopped]")) << t.output();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type("again\n");
  ASSERT_TRUE(t.expect("Echo: again")) << t.output();
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type("/exit\n");
  EXPECT_EQ(t.wait(), 0) << t.output();

  auto requests = chat_requests(fake);
  ASSERT_EQ(requests.size(), 2u);
  auto second = messages_of(requests[1]);
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[1].first, "assistant");  // what was shown before Ctrl-C
  EXPECT_THAT(second[1].second, HasSubstr("Echo:"));
  EXPECT_THAT(second[1].second, Not(HasSubstr("ten")));
}

TEST(RociChatSession, CtrlCAtThePromptSaysHowToLeave) {
  FakeUpstream fake;
  Terminal t(roci_cli_binary(), {"chat", "lmstudio:llama3.3"}, lmstudio_env(fake));
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type(Terminal::kCtrlC);
  ASSERT_TRUE(t.expect("(Ctrl-D or /exit leaves)")) << t.output();
  t.type("/clear\n");
  ASSERT_TRUE(t.expect("[history cleared]")) << t.output();
  t.type(Terminal::kCtrlD);
  EXPECT_EQ(t.wait(), 0) << t.output();
  EXPECT_TRUE(chat_requests(fake).empty());
}

// --- One prompt ---

TEST(RociChat, CtrlCOnAPromptExits130AndClosesTheUpstream) {
  FakeUpstream fake;
  Fault slow;
  slow.path = "/v1/chat/completions";
  slow.token_delay = 300ms;
  fake.script(slow);
  Terminal t(roci_cli_binary(), {"chat", "lmstudio:llama3.3", "one two three four five six"},
             lmstudio_env(fake));
  ASSERT_TRUE(t.expect("Echo:")) << t.output();
  t.type(Terminal::kCtrlC);
  EXPECT_TRUE(fake.wait_for_client_close(3s));
  EXPECT_EQ(t.wait(), 130) << t.output();
  EXPECT_THAT(t.output(), HasSubstr("roci: interrupted"));
}

TEST(RociChat, PipedStdinAndThePromptAreSentTogether) {
  FakeUpstream fake;
  Piped p(roci_cli_binary(), {"chat", "lmstudio:llama3.3", "review this"},
          "diff line one\ndiff line two\n", lmstudio_env(fake));
  ASSERT_EQ(p.wait(), 0) << p.output();
  auto requests = chat_requests(fake);
  ASSERT_EQ(requests.size(), 1u);
  using Turn = std::pair<std::string, std::string>;
  EXPECT_EQ(messages_of(requests[0]),
            (std::vector<Turn>{{"user", "diff line one\ndiff line two\n\nreview this"}}));
  EXPECT_THAT(p.output(), HasSubstr("Echo: diff line one"));
}

TEST(RociChat, ADashPromptIsStdin) {
  FakeUpstream fake;
  Piped p(roci_cli_binary(), {"chat", "lmstudio:llama3.3", "-"}, "from stdin", lmstudio_env(fake));
  ASSERT_EQ(p.wait(), 0) << p.output();
  auto requests = chat_requests(fake);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(messages_of(requests[0]).at(0).second, "from stdin");
}

TEST(RociChat, AnUnknownModelIsRefusedBeforeAnythingIsSent) {
  // LM Studio would answer with its loaded model instead (BT#619): roci checks the list first.
  FakeUpstream fake({.models = {{"llama3.3"}, {"qwen2.5-7b-instruct"}}});
  Piped p(roci_cli_binary(), {"chat", "lmstudio:no-such-model", "hi"}, "", lmstudio_env(fake));
  EXPECT_EQ(p.wait(), 1) << p.output();
  EXPECT_THAT(p.output(),
              HasSubstr("model \"no-such-model\" not found at lmstudio at " + fake.base_url()));
  EXPECT_THAT(p.output(), HasSubstr("Available models: llama3.3, qwen2.5-7b-instruct"));
  EXPECT_TRUE(chat_requests(fake).empty());
}

TEST(RociChat, APartOfAnIdNamesTheModel) {
  FakeUpstream fake({.models = {{"llama3.3"}, {"qwen2.5-7b-instruct"}}});
  Piped p(roci_cli_binary(), {"chat", "lmstudio:qwen", "hi"}, "", lmstudio_env(fake));
  ASSERT_EQ(p.wait(), 0) << p.output();
  auto requests = chat_requests(fake);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].at("model").as_string(), "qwen2.5-7b-instruct");
  EXPECT_THAT(p.output(), HasSubstr("[qwen2.5-7b-instruct: "));
}

TEST(RociChat, RangeErrorsWriteNumbersAsPeopleDo) {
  Piped p(roci_cli_binary(), {"chat", "mock:local-model", "hi", "--temperature", "3"}, "");
  EXPECT_EQ(p.wait(), 2) << p.output();
  EXPECT_THAT(p.output(), HasSubstr("3 is out of range: use 0 to 2"));
  EXPECT_THAT(p.output(), Not(HasSubstr("0.000000")));
}

TEST(RociChat, TheDefaultModelComesFromTheEnvironment) {
  FakeUpstream fake;
  auto env = lmstudio_env(fake);
  env["ROCI_MODEL"] = "lmstudio:llama3.3";
  Piped p(roci_cli_binary(), {"chat", "hello there"}, "", env);
  ASSERT_EQ(p.wait(), 0) << p.output();
  EXPECT_THAT(p.output(), HasSubstr("Echo: hello there"));
  Piped none(roci_cli_binary(), {"chat", "hi"}, "");
  EXPECT_EQ(none.wait(), 1) << none.output();  // "hi" is then the model: no provider named
  EXPECT_THAT(none.output(), HasSubstr("names no provider"));
}

// --- Against the roci gateway, with an API key ---

GatewaySetup keyed_mock_gateway(std::map<std::string, std::string> env = {}) {
  env["INFERENCE_AUTH_API_KEYS"] = "k-cli-test";
  return GatewaySetup{.fake = std::nullopt, .provider = "mock", .env = env};
}

TEST(RociChatGateway, BaseUrlAndApiKeyReachTheGateway) {
  GatewayUnderTest gw(keyed_mock_gateway());
  const std::string base = gw.url + "/v1";
  Piped ok(roci_cli_binary(),
           {"chat", "local-model", "hi", "--base-url", base, "--api-key", "k-cli-test"}, "");
  ASSERT_EQ(ok.wait(), 0) << ok.output();
  EXPECT_THAT(ok.output(), HasSubstr("[local-model: "));

  Piped by_env(
      roci_cli_binary(), {"chat", "hi"}, "",
      {{"ROCI_BASE_URL", gw.url}, {"ROCI_API_KEY", "k-cli-test"}, {"ROCI_MODEL", "local-model"}});
  ASSERT_EQ(by_env.wait(), 0) << by_env.output();

  Piped no_key(roci_cli_binary(), {"chat", "local-model", "hi", "--base-url", base}, "");
  EXPECT_EQ(no_key.wait(), 1) << no_key.output();
  EXPECT_THAT(no_key.output(), HasSubstr("roci: "));
}

TEST(RociModels, JsonListsTheGatewaysModels) {
  GatewayUnderTest gw(keyed_mock_gateway());
  Piped p(roci_cli_binary(),
          {"models", "--json", "--base-url", gw.url + "/v1", "--api-key", "k-cli-test"}, "");
  ASSERT_EQ(p.wait(), 0) << p.output();
  auto json = boost::json::parse(p.output());
  ASSERT_TRUE(json.is_array());
  std::vector<std::string> ids;
  for (const auto& m : json.as_array()) ids.emplace_back(m.at("id").as_string());
  EXPECT_THAT(ids, ::testing::Contains("local-model"));
}

TEST(RociModels, TableOfALmStudio) {
  FakeUpstream fake;
  Piped p(roci_cli_binary(), {"models", "lmstudio"}, "", lmstudio_env(fake));
  ASSERT_EQ(p.wait(), 0) << p.output();
  EXPECT_THAT(p.output(), HasSubstr("llama3.3"));
  EXPECT_THAT(p.output(), HasSubstr("loaded"));
}

TEST(RociChatGateway, UnknownModelListsTheGatewaysModels) {
  GatewayUnderTest gw(keyed_mock_gateway());
  Piped p(roci_cli_binary(),
          {"chat", "no-such-model", "hi", "--base-url", gw.url, "--api-key", "k-cli-test"}, "");
  EXPECT_EQ(p.wait(), 1) << p.output();
  EXPECT_THAT(p.output(), HasSubstr("model \"no-such-model\" not found"));
  EXPECT_THAT(p.output(), HasSubstr("local-model"));
}

// The gateway's cancellation counter.
int cancellations(unsigned short port) {
  const std::string metrics = http_call(port, "GET", "/metrics").body;
  const std::string name = "\nroci_cancellations_total ";
  const auto pos = metrics.find(name);
  return pos == std::string::npos ? -1 : std::atoi(metrics.c_str() + pos + name.size());
}

TEST(RociChatGateway, CtrlCCancelsTheGatewaysRequestAndTheSessionGoesOn) {
  GatewayUnderTest gw(keyed_mock_gateway({{"INFERENCE_INFERENCE_MOCK_TOKEN_DELAY_MS", "200"},
                                          {"INFERENCE_AUTH_PUBLIC_METRICS", "true"}}));
  ASSERT_EQ(cancellations(gw.port), 0);
  Terminal t(roci_cli_binary(),
             {"chat", "local-model", "--base-url", gw.url, "--api-key", "k-cli-test"});
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type("tell me a long story\n");
  ASSERT_TRUE(t.expect("tell me a long story\r\n")) << t.output();  // the echo of the line
  ASSERT_TRUE(t.expect_more()) << t.output();                       // the first token
  t.type(Terminal::kCtrlC);
  ASSERT_TRUE(t.expect("[stopped]")) << t.output();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (cancellations(gw.port) < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(cancellations(gw.port), 1) << gw.log();
  ASSERT_TRUE(t.expect(">>> ")) << t.output();
  t.type(Terminal::kCtrlD);
  EXPECT_EQ(t.wait(), 0) << t.output();
}

}  // namespace
}  // namespace roci::testing
