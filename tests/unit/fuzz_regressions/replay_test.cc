// Replays, in the normal build, every crash reproducer saved under fuzz/regressions/<target>/ and
// every committed seed under fuzz/corpus/<target>/ through the same target functions the libFuzzer
// mains call (fuzz/targets.h). A target aborts on a broken invariant, so a regression fails its
// test (the file being replayed is printed first); under the asan preset memory errors do too.
#include "targets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace roci::fuzz {

void PrintTo(const NamedTarget& target, std::ostream* os) { *os << target.name; }

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename() != "README.md") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

void replay(const NamedTarget& target, const fs::path& dir) {
  const auto files = files_under(dir);
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << file;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::cerr << "replay " << target.name << ": " << file.string() << "\n";
    target.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
}

class FuzzReplay : public testing::TestWithParam<NamedTarget> {};

TEST_P(FuzzReplay, Regressions) {
  replay(GetParam(), fs::path(ROCI_FUZZ_DIR) / "regressions" / std::string(GetParam().name));
}

TEST_P(FuzzReplay, SeedCorpus) {
  const auto dir = fs::path(ROCI_FUZZ_DIR) / "corpus" / std::string(GetParam().name);
  EXPECT_GT(files_under(dir).size(), 0u) << "no seeds in " << dir;
  replay(GetParam(), dir);
}

TEST_P(FuzzReplay, EmptyAndTinyInputs) {
  const std::uint8_t bytes[] = {0, '\n', ':', '{', '"'};
  GetParam().run(bytes, 0);
  for (std::size_t i = 0; i < sizeof bytes; ++i) GetParam().run(bytes + i, 1);
  GetParam().run(bytes, sizeof bytes);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, testing::ValuesIn(kTargets),
                         [](const testing::TestParamInfo<NamedTarget>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace roci::fuzz
