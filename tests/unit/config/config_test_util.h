// Helpers for the config tests: YAML written to temporary files, example config paths.
#pragma once

#include "config/gateway_config.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace roci::config::testing {

// Writes `yaml` to a fresh file under the gtest temp dir; removes it on destruction.
class TempYaml {
 public:
  explicit TempYaml(const std::string& yaml) {
    static std::atomic<int> counter{0};
    path_ =
        std::filesystem::path(::testing::TempDir()) /
        ("roci_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".yaml");
    std::ofstream(path_) << yaml;
  }
  ~TempYaml() { std::filesystem::remove(path_); }
  TempYaml(const TempYaml&) = delete;
  TempYaml& operator=(const TempYaml&) = delete;

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string example_config(const std::string& name) {
  return (std::filesystem::path(ROCI_FIXTURES_DIR) / ".." / ".." / ".." / "config" / name)
      .lexically_normal()
      .string();
}

inline ConfigResult load_yaml(const std::string& yaml, std::map<std::string, std::string> env = {},
                              std::map<std::string, std::string> flags = {}) {
  TempYaml file(yaml);
  return load_gateway_config(
      {.file = file.path(), .env = std::move(env), .flags = std::move(flags)});
}

// The problem reported for `key`, or nullptr.
inline const ConfigProblem* find_problem(const ConfigResult& result, const std::string& key) {
  auto it = std::find_if(result.problems.begin(), result.problems.end(),
                         [&](const ConfigProblem& p) { return p.key == key; });
  return it == result.problems.end() ? nullptr : &*it;
}

}  // namespace roci::config::testing
