// The usage examples at the top of include/roci/sdk/generate.h and stream.h, run as written: each
// test holds the header's example verbatim between `// example:` markers, and a test checks that
// the header still says exactly that, so neither can drift (or be reflowed) alone.
#include <roci/provider/mock_provider.h>
#include <roci/sdk/generate.h>
#include <roci/sdk/stream.h>
#include <roci/sdk/tool.h>

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

// The header's error path: report and fail.
int fail(const roci::Error& error) {
  std::cerr << "Error: " << error.message << "\n";
  return 1;
}

// clang-format off
int generate_example() {
  // example: generate.h
  roci::MockProvider provider;  // or any roci::Provider, e.g. roci::LmStudioProvider
  auto result = roci::generate_text(provider, {roci::ModelMessage::user("Hello, how are you?")},
                                    roci::GenerationSettings{}, {});
  if (result) std::cout << result->text << "\n";
  // example end
  return result ? 0 : fail(result.error());
}

int tool_example() {
  // example: tool.h
  roci::Tool add("add", "Adds two integers.",
                 boost::json::parse(R"({"type":"object","required":["a","b"],
                     "properties":{"a":{"type":"integer"},"b":{"type":"integer"}}})"),
                 [](const boost::json::value& args) -> roci::ToolOutput {
                   return args.at("a").as_int64() + args.at("b").as_int64();
                 });
  roci::MockProvider provider;  // or any roci::Provider, e.g. roci::LmStudioProvider
  roci::ProviderRequest request;
  request.messages.push_back(roci::ModelMessage::user("Please add 2 and 3."));
  auto run = roci::generate_text(provider, request, roci::GenerateOptions{.tools = {add}});
  if (run) std::cout << run->text << " (" << run->steps.size() << " steps)\n";
  // example end
  return run ? 0 : fail(run.error());
}

int stream_example() {
  // example: stream.h
  roci::MockProvider provider;  // or any roci::Provider, e.g. roci::LmStudioProvider
  roci::ProviderRequest request;
  request.messages.push_back(roci::ModelMessage::user("Explain quantum computing"));
  auto stream = roci::stream_text(provider, request);  // or provider.stream_text(request)
  if (!stream) return fail(stream.error());
  while (auto delta = stream->next()) {
    if (!delta->text.empty()) std::cout << delta->text << std::flush;
  }
  if (stream->error()) return fail(*stream->error());  // the stream broke off
  // example end
  return 0;
}
// clang-format on

std::string trim(const std::string& line) {
  const auto first = line.find_first_not_of(' ');
  return first == std::string::npos ? std::string() : line.substr(first);
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The example of a header: its opening comment's lines indented by 3+ spaces after "//", trimmed.
std::vector<std::string> header_example(const std::string& header) {
  const auto path = std::filesystem::path(ROCI_SOURCE_DIR) / "include/roci/sdk" / header;
  std::vector<std::string> example;
  for (const auto& line : lines_of(path)) {
    if (!line.starts_with("//")) break;
    if (line.starts_with("//   ")) example.push_back(trim(line.substr(2)));
  }
  return example;
}

// The lines of this file between "// example: <header>" and "// example end", trimmed.
std::vector<std::string> test_example(const std::string& header) {
  std::vector<std::string> example;
  bool inside = false;
  for (const auto& line : lines_of(std::filesystem::path(ROCI_SOURCE_DIR) /
                                   "tests/unit/sdk/header_examples_test.cc")) {
    const std::string t = trim(line);
    if (t == "// example: " + header) {
      inside = true;
    } else if (t == "// example end") {
      inside = false;
    } else if (inside) {
      example.push_back(t);
    }
  }
  return example;
}

TEST(HeaderExamples, TheHeadersShowTheCodeTheseTestsRun) {
  for (const std::string header : {"generate.h", "stream.h", "tool.h"}) {
    const auto shown = header_example(header);
    EXPECT_GE(shown.size(), 3u) << header;
    EXPECT_EQ(shown, test_example(header)) << header;
  }
}

TEST(HeaderExamples, GenerateExamplePrintsTheAnswer) {
  testing::internal::CaptureStdout();
  const int status = generate_example();
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_EQ(status, 0);
  roci::MockProvider provider;
  auto expected =
      roci::generate_text(provider, {roci::ModelMessage::user("Hello, how are you?")}, {}, {});
  ASSERT_TRUE(expected) << expected.error();
  EXPECT_FALSE(expected->text.empty());
  EXPECT_EQ(printed, expected->text + "\n");
}

TEST(HeaderExamples, ToolExampleRunsTheLoopToTheAnswer) {
  testing::internal::CaptureStdout();
  const int status = tool_example();
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_EQ(status, 0);
  // The mock calls `add` with the schema's sample arguments (0 and 0), then answers.
  EXPECT_EQ(printed, "According to add: 0. (2 steps)\n");
}

TEST(HeaderExamples, StreamExamplePrintsEveryDelta) {
  testing::internal::CaptureStdout();
  const int status = stream_example();
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_EQ(status, 0);
  roci::MockProvider provider;
  auto expected = roci::generate_text(
      provider, {roci::ModelMessage::user("Explain quantum computing")}, {}, {});
  ASSERT_TRUE(expected) << expected.error();
  EXPECT_FALSE(expected->text.empty());
  EXPECT_EQ(printed, expected->text);
}

}  // namespace
