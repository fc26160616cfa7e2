#include "server/admin/admin_access.h"

#include <gtest/gtest.h>

namespace roci::server::admin {
namespace {

using boost::asio::ip::make_address;

TEST(ConsoleAccess, WithoutKeysOnlyLoopbackPeers) {
  for (const char* peer : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_FALSE(console_access(false, make_address(peer))) << peer;
  }
  for (const char* peer :
       {"192.168.1.20", "10.0.0.1", "::ffff:192.168.1.20", "fe80::1", "0.0.0.0"}) {
    auto refused = console_access(false, make_address(peer));
    ASSERT_TRUE(refused) << peer;
    EXPECT_EQ(refused->kind, ErrorKind::kPermissionDenied);
    EXPECT_EQ(refused->code, "console_loopback_only");
    EXPECT_NE(refused->message.find("auth.api_keys"), std::string::npos);
  }
}

TEST(ConsoleAccess, WithKeysAnyPeer) {
  // The request gate already demanded a valid key for /admin/...
  EXPECT_FALSE(console_access(true, make_address("192.168.1.20")));
  EXPECT_FALSE(console_access(true, make_address("127.0.0.1")));
}

}  // namespace
}  // namespace roci::server::admin
