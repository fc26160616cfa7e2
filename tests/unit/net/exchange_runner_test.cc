// ExchangeRunner's checks of a request before anything is sent (through HttpClient, against a
// loopback TestHttpServer): the target, the field names and the field values, refused with
// kInvalidRequest.
#include "net/exchange_runner.h"

#include "net/http_client.h"
#include "net_test_util.h"

#include <gtest/gtest.h>

#include <string>

namespace roci::net {
namespace {

using namespace roci::net::testing;

TEST(ExchangeRunner, RefusesHeaderInjectionAndABadTarget) {
  TestHttpServer server(echo_target_forever);
  asio::io_context ioc;
  auto client = make_client(server.url());
  HttpRequest request = get("/x");
  request.headers.emplace_back("X-Evil", "a\r\nInjected: 1");
  auto got = run(ioc, client->send(std::move(request)));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kInvalidRequest);
  auto bad_target = run(ioc, client->send(get("/a b")));
  ASSERT_FALSE(bad_target);
  EXPECT_EQ(bad_target.error().kind, ErrorKind::kInvalidRequest);
}

// Every byte the target, a field name or a field value may not hold is refused wherever it stands:
// in the 16-byte blocks the checks take at once and in the tail after them.
TEST(ExchangeRunner, RefusesForbiddenBytesAnywhereInTargetNamesAndValues) {
  TestHttpServer server(echo_target_forever);
  asio::io_context ioc;
  auto client = make_client(server.url());
  const auto refused = [&](HttpRequest request) {
    auto got = run(ioc, client->send(std::move(request)));
    return !got && got.error().kind == ErrorKind::kInvalidRequest;
  };
  const std::string base(40, 'a');  // two blocks and a tail
  for (std::size_t at : {1u, 15u, 16u, 31u, 32u, 39u}) {
    SCOPED_TRACE("at " + std::to_string(at));
    for (char c : {' ', '\t', '\x01', '\x7f'}) {
      std::string target = "/" + base;
      target[at] = c;
      EXPECT_TRUE(refused(get(target))) << int(c);
    }
    for (char c : {' ', ':', '\x7f', '\x80', '\xff', '\x1f'}) {
      std::string name = base;
      name[at] = c;
      HttpRequest request = get("/x");
      request.headers.emplace_back(name, "v");
      EXPECT_TRUE(refused(std::move(request))) << int(c);
    }
    for (char c : {'\r', '\n', '\0'}) {
      std::string value = base;
      value[at] = c;
      HttpRequest request = get("/x");
      request.headers.emplace_back("X-Value", value);
      EXPECT_TRUE(refused(std::move(request))) << int(c);
    }
  }
  // What they may hold passes, in blocks and tails alike.
  HttpRequest fine = get("/" + base + "\x80?q=%20~");
  fine.headers.emplace_back("X-" + base + "!#$%&'*+-.^_`|~", base + " \t\x80\xff:\"");
  auto got = run(ioc, client->send(std::move(fine)));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->status, 200);
}

}  // namespace
}  // namespace roci::net
