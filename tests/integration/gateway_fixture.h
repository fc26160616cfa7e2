// A real inference-server process in front of an in-process fake upstream, for end-to-end tests.
// Requests go through the one test client (support/test_http_client.h: http_call, TestConnection).
//
//   GatewayUnderTest gw({.fake = {.models = {{"qwen3"}}}});
//   auto res = http_call(gw.port, "GET", "/v1/models");
//   gw.fake->script(Fault::cut_after(2, "/v1/chat/completions"));
#pragma once

#include "integration/child_process.h"
#include "integration/http_test_client.h"
#include "support/fake_upstream.h"
#include "support/test_http_client.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace roci::testing {

struct GatewaySetup {
  std::optional<FakeOptions> fake = FakeOptions{};  // nullopt: no upstream (mock or unreachable)
  std::string provider = "lmstudio";
  std::map<std::string, std::string> env;  // extra INFERENCE_* etc.
  std::vector<std::string> args;
};

// Waits until a chat request reached the fake (the catalog's model-list calls come first).
inline bool wait_for_chat(FakeUpstream& fake,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : fake.requests()) {
      if (r.path() == "/v1/chat/completions") return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

class GatewayUnderTest {
 public:
  explicit GatewayUnderTest(GatewaySetup setup) {
    if (setup.fake) fake = std::make_unique<FakeUpstream>(*setup.fake);
    std::map<std::string, std::string> env{
        {"INFERENCE_INFERENCE_PROVIDER", setup.provider},
        {"INFERENCE_SERVER_PORT", "0"},
        {"INFERENCE_SERVER_THREADS", "1"},
        {"INFERENCE_LOG_LEVEL", "debug"},
    };
    if (fake && setup.provider == "lmstudio")
      env["INFERENCE_INFERENCE_BASE_URL"] = fake->base_url();
    if (fake && setup.provider == "openai")
      env["INFERENCE_INFERENCE_BASE_URL"] = fake->base_url() + "/v1";
    for (auto& [k, v] : setup.env) env[k] = v;
    process = std::make_unique<ChildProcess>(gateway_binary(), setup.args, env);
    url = process->wait_for_line("inference-server listening on ");
    port = port_of(url);
    if (port == 0) ADD_FAILURE() << "the gateway did not start:\n" << process->output();
  }

  std::string log() const { return process->output(); }

  std::unique_ptr<FakeUpstream> fake;
  std::unique_ptr<ChildProcess> process;
  std::string url;
  unsigned short port = 0;
};

}  // namespace roci::testing
