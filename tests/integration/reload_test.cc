// Reload (SIGHUP) through the real binary: a valid file changes what new requests get (allowed
// models, API keys, the keys file read again), an invalid one is refused with every problem logged
// and the old configuration keeps serving, a stream in flight finishes across a reload, keys that
// need a restart are named, and log.file is reopened (logrotate).
#include "integration/gateway_fixture.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A directory of its own for the test's files, removed at the end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/roci-reload-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  void write(const std::string& name, const std::string& text) const {
    const std::string tmp = file(name + ".tmp");
    std::ofstream(tmp) << text;
    fs::rename(tmp, file(name));  // whole, as an editor saves it
  }

 private:
  fs::path path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool wait_for_file_text(const std::string& path, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (read_file(path).find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Sends SIGHUP and waits for the outcome's log line.
bool reload(GatewayUnderTest& gw, const std::string& outcome) {
  kill(gw.process->pid(), SIGHUP);
  return gw.process->wait_for_output(outcome, 10s);
}

FakeOptions two_models() {
  FakeOptions o;
  o.models = {{"qwen3"}, {"llama3.3"}};
  o.single_model_serves_any_name = false;
  return o;
}

TEST(Reload, ValidFileChangesAllowedModelsAndApiKeysForNewRequests) {
  TempDir dir;
  dir.write("gw.yaml", "inference:\n  allowed_models: [qwen3]\n");
  GatewayUnderTest gw({.fake = two_models(), .args = {"--config", dir.file("gw.yaml")}});
  ASSERT_NE(gw.port, 0);
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi")).status,
            404);

  dir.write("keys.txt", "# gateway keys\nkey-two\n");
  dir.write("gw.yaml", "inference:\n  allowed_models: [qwen3, llama3.3]\nauth:\n  api_keys_file: " +
                           dir.file("keys.txt") + "\n");
  ASSERT_TRUE(reload(gw, "configuration reloaded: generation 2")) << gw.log();
  EXPECT_NE(gw.log().find("changed: inference.allowed_models, auth.api_keys, auth.api_keys_file"),
            std::string::npos)
      << gw.log();
  EXPECT_EQ(gw.log().find("key-two"), std::string::npos) << "a key was logged";
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi")).status,
            401);
  const Fields key_two{{"Authorization", "Bearer key-two"}};
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi"), key_two)
                .status,
            200);

  // The keys file alone changed: a reload reads it again.
  dir.write("keys.txt", "key-three\n");
  ASSERT_TRUE(reload(gw, "configuration reloaded: generation 3")) << gw.log();
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models", {}, key_two).status, 401);
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models", {}, {{"x-api-key", "key-three"}}).status, 200);
}

TEST(Reload, InvalidFileIsRefusedWithEveryProblemAndTheOldConfigKeepsServing) {
  TempDir dir;
  dir.write("gw.yaml", "inference:\n  allowed_models: [qwen3]\n");
  GatewayUnderTest gw({.fake = two_models(), .args = {"--config", dir.file("gw.yaml")}});
  ASSERT_NE(gw.port, 0);

  dir.write("gw.yaml",
            "inference:\n  allowed_modelz: [llama3.3]\nlimits:\n  max_queue: 0\nauth:\n"
            "  api_keys_file: " +
                dir.file("missing.txt") + "\n");
  ASSERT_TRUE(reload(gw, "reload refused: 3 problems")) << gw.log();
  const std::string log = gw.log();
  EXPECT_NE(log.find("reload: inference.allowed_modelz: unknown key; did you mean "
                     "inference.allowed_models?"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("reload: limits.max_queue: must be at least 1, got 0"), std::string::npos)
      << log;
  EXPECT_NE(log.find("reload: auth.api_keys_file: cannot read"), std::string::npos) << log;
  EXPECT_NE(log.find("still serving configuration generation 1"), std::string::npos) << log;

  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("qwen3", "hi")).status,
            200);
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi")).status,
            404);
}

TEST(Reload, StreamInFlightFinishesWithTheConfigItStartedWith) {
  TempDir dir;
  dir.write("gw.yaml", "inference:\n  allowed_models: [qwen3]\n");
  FakeOptions o = two_models();
  o.token_delay = 40ms;
  GatewayUnderTest gw({.fake = o, .args = {"--config", dir.file("gw.yaml")}});
  ASSERT_NE(gw.port, 0);

  TestConnection stream(gw.port);
  stream.send(raw_post("/v1/chat/completions", chat_body("qwen3", "a b c d e f g h i j", true)));
  stream.read_until("Echo");
  dir.write("gw.yaml", "inference:\n  allowed_models: [llama3.3]\n");
  ASSERT_TRUE(reload(gw, "configuration reloaded: generation 2")) << gw.log();

  // New requests get the new list, on a new connection (the listeners stayed open)...
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("qwen3", "hi")).status,
            404);
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi")).status,
            200);
  // ... while the stream that started before goes on to its end.
  const std::string raw = stream.read_until("data: [DONE]", 10s);
  EXPECT_NE(raw.find("data: [DONE]"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("\"error\""), std::string::npos) << raw;
}

TEST(Reload, KeysThatNeedARestartAreNamedAndKeepTheirValue) {
  TempDir dir;
  dir.write("gw.yaml", "server:\n  host: 127.0.0.1\n");
  GatewayUnderTest gw({.fake = two_models(), .args = {"--config", dir.file("gw.yaml")}});
  ASSERT_NE(gw.port, 0);
  dir.write("gw.yaml", "server:\n  host: 127.0.0.2\n  write_timeout_secs: 7\n");
  ASSERT_TRUE(reload(gw, "configuration reloaded: generation 2")) << gw.log();
  const std::string log = gw.log();
  EXPECT_NE(log.find("reload: server.host changed (127.0.0.1 -> 127.0.0.2) but takes effect only "
                     "after a restart"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("changed: server.write_timeout_secs"), std::string::npos) << log;
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models").status, 200);
}

TEST(Reload, LogFileIsReopenedAfterARotation) {
  TempDir dir;
  const std::string log_file = dir.file("gw.log");
  dir.write("gw.yaml", "log:\n  file: " + log_file + "\n");
  GatewayUnderTest gw({.fake = two_models(), .args = {"--config", dir.file("gw.yaml")}});
  ASSERT_NE(gw.port, 0);
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models").status, 200);
  ASSERT_TRUE(wait_for_file_text(log_file, "path=/v1/models"));
  fs::rename(log_file, log_file + ".1");  // what logrotate does
  kill(gw.process->pid(), SIGHUP);
  ASSERT_TRUE(wait_for_file_text(log_file, "configuration reloaded: generation 2"))
      << read_file(log_file + ".1");
  EXPECT_EQ(http_call(gw.port, "GET", "/health").status, 200);
  EXPECT_TRUE(wait_for_file_text(log_file, "path=/health")) << read_file(log_file);
  EXPECT_EQ(read_file(log_file + ".1").find("path=/health"), std::string::npos);
  EXPECT_EQ(gw.log().find("path=/v1/models"), std::string::npos) << "the log went to stderr";
}

}  // namespace
}  // namespace roci::testing
