// POST /v1/models/{id}/load and /unload through the real binary: behind the gateway's API keys,
// and a clear 400 for a host that cannot unload models through an API.
#include "integration/gateway_fixture.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace roci::testing {
namespace {

constexpr const char* kMockFleet =
    "inference:\n  backends:\n    - name: box\n      provider: mock\n";

class FleetFile {
 public:
  explicit FleetFile(const std::string& yaml) {
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("roci_fleet_lifecycle_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter_++) + ".yaml");
    std::ofstream(path_) << yaml;
  }
  ~FleetFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(FleetLifecycle, LoadNeedsTheGatewayKeyWhenKeysAreConfigured) {
  FleetFile file(kMockFleet);
  GatewayUnderTest gw({.fake = std::nullopt,
                       .provider = "mock",
                       .env = {{"INFERENCE_AUTH_API_KEYS", "gw-key-1"}},
                       .args = {"--config", file.path()}});
  ASSERT_NE(gw.port, 0);
  auto anonymous = http_call(gw.port, "POST", "/v1/models/local-model/load");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  auto wrong = http_call(gw.port, "POST", "/v1/models/local-model/unload", "",
                         {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  // With the key the request reaches the fleet: the mock has the model loaded already.
  auto keyed = http_call(gw.port, "POST", "/v1/models/TheBloke%2FLlama-2-7B-Chat-GGUF/load",
                         R"({"backend":"box"})", {{"Authorization", "Bearer gw-key-1"}});
  EXPECT_EQ(keyed.status, 200) << keyed.body;
  EXPECT_EQ(keyed.header("X-Roci-Backend"), "box");
  EXPECT_EQ(keyed.json().at("already"), true) << keyed.body;
  EXPECT_EQ(keyed.json().at("object"), "model.load") << keyed.body;
}

TEST(FleetLifecycle, WithoutKeysLoopbackClientsMayAskAndBadBodiesAre400) {
  FleetFile file(kMockFleet);
  GatewayUnderTest gw(
      {.fake = std::nullopt, .provider = "mock", .args = {"--config", file.path()}});
  ASSERT_NE(gw.port, 0);
  auto unsupported = http_call(gw.port, "POST", "/v1/models/local-model/unload");
  EXPECT_EQ(unsupported.status, 400) << unsupported.body;
  EXPECT_EQ(unsupported.json().at("error").at("code"), "unsupported");
  auto unknown_backend =
      http_call(gw.port, "POST", "/v1/models/local-model/load", R"({"backend":"nowhere"})");
  EXPECT_EQ(unknown_backend.status, 400) << unknown_backend.body;
  EXPECT_EQ(unknown_backend.json().at("error").at("param"), "backend");
  auto bad_field = http_call(gw.port, "POST", "/v1/models/local-model/load", R"({"host":"box"})");
  EXPECT_EQ(bad_field.status, 400) << bad_field.body;
  auto get = http_call(gw.port, "GET", "/v1/models/local-model/load");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.header("Allow"), "POST");
}

}  // namespace
}  // namespace roci::testing
