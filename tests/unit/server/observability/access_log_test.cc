// The access log line: its fields, what is left out (the query string) or neutralised (control
// characters, quotes), the error fields, and nothing at all above level info.
#include "server/observability/access_log.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

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
  EXPECT_NE(line.find(" ttft_ms=- tokens_in=12 tokens_out=100 bytes_out=1832 stream=true "
                      "client=- requested_model=- backend=-\n"),
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
  EXPECT_NE(line.find(" backend=- error=cancelled message=\"the client went 'away'\"\n"),
            std::string::npos)
      << line;
}

TEST_F(AccessLogTest, ClientRequestedModelBackendAndTimeToFirstToken) {
  RequestLog log = served();
  log.client = asio::ip::tcp::endpoint(asio::ip::make_address("10.0.0.7"), 51234);
  log.requested_model = "mistral";
  log.backend = "lmstudio";
  log.time_to_first_token = std::chrono::microseconds(95120);
  log_access(log, "POST", "/v1/chat/completions");
  const std::string line = lines();
  EXPECT_NE(line.find(" ttft_ms=95.120 "), std::string::npos) << line;
  EXPECT_NE(line.find(" client=10.0.0.7:51234 requested_model=mistral backend=lmstudio\n"),
            std::string::npos)
      << line;
}

TEST_F(AccessLogTest, AnUnknownModelShowsTheRequestedName) {
  RequestLog log;
  log.request_id = "x";
  log.status = 404;
  log.requested_model = "no-such-model";
  log.error_kind = ErrorKind::kModelNotFound;
  log_access(log, "POST", "/v1/chat/completions");
  EXPECT_NE(lines().find(" model=- status=404 "), std::string::npos) << lines();
  EXPECT_NE(lines().find(" requested_model=no-such-model "), std::string::npos) << lines();
}

TEST(AccessLogJson, StableMembersWithNullForAbsentValues) {
  RequestLog log = served();
  log.client = asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 8080);
  log.requested_model = "mistral";
  log.backend = "lmstudio";
  std::string members;
  append_access_json(members, log, "POST", "/v1/chat/completions?key=secret");
  const auto v = boost::json::parse("{" + members + "}").as_object();
  EXPECT_EQ(v.at("event"), "access");
  EXPECT_EQ(v.at("request_id"), "3f9c0a1b2c4d-2a");
  EXPECT_EQ(v.at("client"), "[::1]:8080");
  EXPECT_EQ(v.at("method"), "POST");
  EXPECT_EQ(v.at("path"), "/v1/chat/completions");
  EXPECT_EQ(v.at("requested_model"), "mistral");
  EXPECT_EQ(v.at("model"), "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  EXPECT_EQ(v.at("backend"), "lmstudio");
  EXPECT_EQ(v.at("status"), 200);
  EXPECT_TRUE(v.at("duration_ms").is_double());
  EXPECT_TRUE(v.at("ttft_ms").is_null());
  EXPECT_EQ(v.at("tokens_in"), 12);
  EXPECT_EQ(v.at("tokens_out"), 100);
  EXPECT_EQ(v.at("bytes_out"), 1832);
  EXPECT_EQ(v.at("stream"), true);
  EXPECT_TRUE(v.at("error").is_null());
  EXPECT_TRUE(v.at("message").is_null());
  EXPECT_EQ(members.find("secret"), std::string::npos);
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
