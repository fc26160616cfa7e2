// roci::Error: the kind names, the convenience constructors, equality and printing, and
// Result<T>::value() throwing a RociException that carries the error.
#include <roci/core/error.h>

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

namespace roci {
namespace {

constexpr ErrorKind kAllKinds[] = {ErrorKind::kInvalidRequest,
                                   ErrorKind::kUnauthenticated,
                                   ErrorKind::kPermissionDenied,
                                   ErrorKind::kModelNotFound,
                                   ErrorKind::kNotFound,
                                   ErrorKind::kMethodNotAllowed,
                                   ErrorKind::kPayloadTooLarge,
                                   ErrorKind::kHeadersTooLarge,
                                   ErrorKind::kTooManyConnections,
                                   ErrorKind::kUnsupportedMediaType,
                                   ErrorKind::kRateLimited,
                                   ErrorKind::kQueueFull,
                                   ErrorKind::kUnsupported,
                                   ErrorKind::kUpstreamError,
                                   ErrorKind::kUpstreamUnreachable,
                                   ErrorKind::kTimeout,
                                   ErrorKind::kCancelled,
                                   ErrorKind::kInternal};

TEST(ErrorTest, EveryKindHasItsOwnSnakeCaseName) {
  std::set<std::string_view> names;
  for (ErrorKind kind : kAllKinds) {
    const std::string_view name = to_string(kind);
    EXPECT_NE(name, "unknown");
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string_view::npos)
        << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kAllKinds));
  EXPECT_EQ(to_string(ErrorKind::kUpstreamUnreachable), "upstream_unreachable");
  EXPECT_EQ(to_string(ErrorKind::kQueueFull), "queue_full");
}

// Every value up to kInternal, also one missing from kAllKinds.
TEST(ErrorTest, EveryEnumValueHasAName) {
  std::set<std::string> names;
  for (int k = 0; k <= static_cast<int>(ErrorKind::kInternal); ++k) {
    const std::string name(to_string(static_cast<ErrorKind>(k)));
    EXPECT_NE(name, "unknown") << k;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(to_string(ErrorKind::kHeadersTooLarge), "headers_too_large");
  EXPECT_EQ(to_string(ErrorKind::kTooManyConnections), "too_many_connections");
}

TEST(ErrorTest, ConstructorsSetKindParamAndCode) {
  const Error invalid = Error::invalid_request("temperature must be <= 2", "temperature");
  EXPECT_EQ(invalid.kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(invalid.message, "temperature must be <= 2");
  EXPECT_EQ(invalid.param, "temperature");
  EXPECT_TRUE(invalid.code.empty());

  const Error missing = Error::model_not_found("no such model", {"qwen3", "gemma"});
  EXPECT_EQ(missing.kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(missing.param, "model");
  EXPECT_EQ(missing.code, "model_not_found");
  EXPECT_EQ(missing.available_models, (std::vector<std::string>{"qwen3", "gemma"}));

  const Error upstream = Error::upstream("LM Studio answered 500", 500);
  EXPECT_EQ(upstream.kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(upstream.upstream_status, 500);
  EXPECT_FALSE(Error::upstream("malformed").upstream_status.has_value());

  EXPECT_EQ(Error::unreachable("down").kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_EQ(Error::unreachable("down").code, "upstream_unreachable");
  EXPECT_EQ(Error::timeout("slow").code, "timeout");
  EXPECT_EQ(Error::timeout("slow", "first_byte_timeout").code, "first_byte_timeout");
  EXPECT_EQ(Error::timeout("slow").kind, ErrorKind::kTimeout);
  EXPECT_EQ(Error::cancelled().kind, ErrorKind::kCancelled);
  EXPECT_EQ(Error::cancelled().message, "the client went away");
  EXPECT_EQ(Error::internal("bug").kind, ErrorKind::kInternal);
  EXPECT_EQ(Error::unsupported("no embeddings").kind, ErrorKind::kUnsupported);
  EXPECT_EQ(Error::unsupported("no embeddings").code, "unsupported");
}

TEST(ErrorTest, EqualityComparesEveryField) {
  const Error base = Error::model_not_found("gone", {"a"});
  EXPECT_EQ(base, Error::model_not_found("gone", {"a"}));
  Error other = base;
  other.available_models = {"b"};
  EXPECT_NE(base, other);
  other = base;
  other.retry_after_secs = 3;
  EXPECT_NE(base, other);
  other = base;
  other.upstream_status = 404;
  EXPECT_NE(base, other);
  other = base;
  other.code = "x";
  EXPECT_NE(base, other);
  other = base;
  other.param = "messages";
  EXPECT_NE(base, other);
  other = base;
  other.kind = ErrorKind::kNotFound;
  EXPECT_NE(base, other);
}

TEST(ErrorTest, PrintsKindMessageAndParam) {
  std::ostringstream with_param;
  with_param << Error::invalid_request("bad value", "top_p");
  EXPECT_EQ(with_param.str(), "invalid_request: bad value (param top_p)");
  std::ostringstream without;
  without << Error::internal("oops");
  EXPECT_EQ(without.str(), "internal: oops");
}

// Moved from model_selector_test.cc.
TEST(ResultTest, ValueThrowsRociExceptionCarryingTheError) {
  Result<int> r = Error::timeout("too slow", "request_timeout");
  try {
    (void)r.value();
    FAIL() << "value() did not throw";
  } catch (const RociException& e) {
    EXPECT_EQ(e.error().kind, ErrorKind::kTimeout);
    EXPECT_EQ(e.error(), Error::timeout("too slow", "request_timeout"));
    EXPECT_STREQ(e.what(), "too slow");
  }
  Result<int> ok = 7;
  EXPECT_EQ(ok.value(), 7);
}

}  // namespace
}  // namespace roci
