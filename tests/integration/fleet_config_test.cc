// inference.backends through the real binary: --check-config lists every problem of the list
// (file:line), and backends together with a base URL is refused at start.
#include "integration/gateway_fixture.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("roci_fleet_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++) +
             ".yaml");
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(FleetConfig, CheckConfigListsEveryProblemOfTheList) {
  TempFile file(R"(inference:
  provider: lmstudio
  backends:
    - name: desk
      base_url: http://192.168.1.20:1234
    - name: desk
      base_url: http://192.168.1.20:1234
    - name: Laptop
      base_url: not-a-url
routing:
  spill_queue_depth: 64
)");
  ChildProcess check(gateway_binary(), {"--config", file.path(), "--check-config"});
  EXPECT_NE(check.wait(10s), 0);
  const std::string out = check.output();
  const std::string at = file.path() + ":";
  for (const char* expected : {"inference.backends[1].name", "inference.backends[1].base_url",
                               "inference.backends[2].name", "inference.backends[2].base_url",
                               "routing.spill_queue_depth"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  }
  EXPECT_NE(out.find(at + "6)"), std::string::npos) << "file:line of the duplicate\n" << out;
}

TEST(FleetConfig, BackendsWithABaseUrlFromTheEnvironmentIsRefused) {
  TempFile file("inference:\n  backends:\n    - name: desk\n      base_url: http://h:1234\n");
  ChildProcess run(gateway_binary(), {"--config", file.path(), "--check-config"},
                   {{"INFERENCE_INFERENCE_BASE_URL", "http://other:1234"}});
  EXPECT_NE(run.wait(10s), 0);
  EXPECT_NE(run.output().find("inference.backends and inference.base_url"), std::string::npos)
      << run.output();
}

TEST(FleetConfig, TheFleetMdExampleChecksClean) {  // config/fleet.yaml
  const std::string example = std::string(ROCI_SOURCE_DIR) + "/config/fleet.yaml";
  ChildProcess check(gateway_binary(), {"--config", example, "--check-config"},
                     {{"LAPTOP_KEY", "sk-laptop-secret"}});
  EXPECT_EQ(check.wait(10s), 0) << check.output();
  EXPECT_NE(check.output().find("backends:"), std::string::npos) << check.output();
  EXPECT_EQ(check.output().find("sk-laptop-secret"), std::string::npos);
}

}  // namespace
}  // namespace roci::testing
