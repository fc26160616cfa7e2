// The end-to-end tests' request helpers over the one test client (support/test_http_client.h):
// chat request bodies and the gateway's URL. RawConnection is the former raw client's name, kept
// so that tests written against it still build; new tests use TestConnection.
//
//   auto res = http_call(port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi"));
//   EXPECT_EQ(res.status, 200); auto json = res.json();
//   TestConnection c(port); c.send(raw_post(...)); c.read_until("data: ", 2s); c.close();
#pragma once

#include <boost/json.hpp>  // the tests parse and build JSON through this header
#include <boost/url/parse.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "support/test_http_client.h"

namespace roci::testing {

// The `error` object of an error answer; empty when the body has none.
inline boost::json::object error_of(const TestResponse& res) {
  const auto v = res.json();
  if (!v.is_object() || !v.as_object().contains("error")) return {};
  return v.at("error").as_object();
}

// Milliseconds since `t0` on the steady clock.
inline std::chrono::milliseconds since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0);
}

inline unsigned short port_of(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  return u ? static_cast<unsigned short>(u->port_number()) : 0;
}

// A chat request body: one user message; `extra` is more members, e.g. R"("max_tokens":5)".
inline std::string chat_body(std::string_view model, std::string_view prompt, bool stream = false,
                             std::string_view extra = {}) {
  boost::json::object o{
      {"model", model},
      {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", prompt}}}}};
  if (stream) o["stream"] = true;
  std::string s = boost::json::serialize(o);
  if (!extra.empty()) {
    s.pop_back();
    s += ",";
    s += extra;
    s += "}";
  }
  return s;
}

// The former raw client: a TestConnection whose read_response() returns the response's bytes
// ("" when it did not complete). To be removed once no test uses it: use TestConnection, whose
// read_response() returns the decoded TestResponse (its `raw` member holds the bytes).
class RawConnection : public TestConnection {
 public:
  using TestConnection::TestConnection;
  std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    TestResponse response = TestConnection::read_response(timeout);
    return response.complete ? std::move(response.raw) : std::string();
  }
};

}  // namespace roci::testing
