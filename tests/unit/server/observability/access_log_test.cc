// The access log line: its fields, what is left out (the query string) or neutralised (control
// characters, quotes), the error fields, and nothing at all above level info.
#include "server/observability/access_log.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>

namespace roci::server {
namespace {

// Routes the default logger into a string for the test's lifetime.
class AccessLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%l %v");
    auto logger = std::make_shared<spdlog::logger>("access-test", sink);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  std::string lines() const { return out_.str(); }

  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

RequestLog served() {
  RequestLog log;
  log.request_id = "3f9c0a1b2c4d-2a";
  log.model = "TheBloke/Mistral-7B-Instruct-v0.2-GGUF";
  log.status = 200;
  log.usage = Usage{12, 100, 112};
  log.bytes_out = 1832;
  log.stream = true;
  return log;
}

TEST_F(AccessLogTest, OneInfoLineWithEveryField) {
  log_access(served(), "POST", "/v1/chat/completions?api_key=secret");
  const std::string line = lines();
  EXPECT_EQ(line.rfind("info access id=3f9c0a1b2c4d-2a method=POST path=/v1/chat/completions "
                       "model=TheBloke/Mistral-7B-Instruct-v0.2-GGUF status=200 duration_ms=",
                       0),
            0u)
      << line;
  EXPECT_NE(line.find(" tokens_in=12 tokens_out=100 bytes_out=1832 stream=true\n"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find("secret"), std::string::npos) << "the query string is not logged";
  EXPECT_EQ(line.find("error="), std::string::npos);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST_F(AccessLogTest, EmptyFieldsAreDashesAndPathsAreNeutralised) {
  RequestLog log;
  log.request_id = "x";
  log.status = 400;
  log_access(log, "", std::string("/v1/\x1b[31mred\"quoted\"\n", 21));
  const std::string line = lines();
  EXPECT_NE(line.find("method=- path=/v1/?[31mred'quoted'? model=- status=400"), std::string::npos)
      << line;
  EXPECT_NE(line.find("tokens_in=0 tokens_out=0 bytes_out=0 stream=false"), std::string::npos)
      << line;
}

TEST_F(AccessLogTest, FailuresAddTheKindAndTheMessage) {
  RequestLog log = served();
  log.status = 499;
  log.error_kind = ErrorKind::kCancelled;
  log.error_message = "the client went \"away\"";
  log_access(log, "POST", "/v1/chat/completions");
  const std::string line = lines();
  EXPECT_NE(line.find(" stream=true error=cancelled message=\"the client went 'away'\"\n"),
            std::string::npos)
      << line;
}

TEST_F(AccessLogTest, LongPathsAreCut) {
  log_access(served(), "GET", "/v1/models/" + std::string(1000, 'a'));
  const std::string line = lines();
  EXPECT_NE(line.find(std::string(501, 'a') + "... model="), std::string::npos) << line.size();
  EXPECT_EQ(line.find(std::string(502, 'a')), std::string::npos);
}

TEST_F(AccessLogTest, NothingAtLevelWarn) {
  spdlog::default_logger()->set_level(spdlog::level::warn);
  log_access(served(), "POST", "/v1/chat/completions");
  EXPECT_EQ(lines(), "");
}

}  // namespace
}  // namespace roci::server
