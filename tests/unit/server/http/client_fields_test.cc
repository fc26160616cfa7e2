#include "server/http/client_fields.h"

#include "server/http/request_context.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <memory_resource>
#include <string>
#include <utility>
#include <vector>

namespace roci::server {
namespace {

ClientHeader sample_head() {
  ClientHeader h;
  h.method(http::verb::post);
  h.target("/v1/chat/completions");
  h.insert(http::field::host, "gateway");
  h.insert(http::field::content_type, "application/json");
  h.insert("x-request-id", "first-id");
  h.insert(http::field::content_type, "text/plain");
  h.insert("X-Request-Id", "second-id");
  return h;
}

std::vector<std::pair<std::string, std::string>> listed(const ClientFields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) out.emplace_back(f.name_string(), f.value());
  return out;
}

TEST(ClientFields, FindsAFieldByItsEnumAndTakesTheFirstOfSeveral) {
  const ClientHeader h = sample_head();
  EXPECT_EQ(h[http::field::host], "gateway");
  EXPECT_EQ(h[http::field::content_type], "application/json");
  EXPECT_EQ(h.count(http::field::content_type), 2u);
  ASSERT_NE(h.find(http::field::content_type), h.end());
  EXPECT_EQ(h.find(http::field::content_type)->name_string(), "Content-Type");
}

TEST(ClientFields, FindsAFieldByNameInAnyCase) {
  const ClientHeader h = sample_head();
  EXPECT_EQ(h["X-REQUEST-ID"], "first-id");
  EXPECT_EQ(h["content-TYPE"], "application/json");
  EXPECT_EQ(h.count("x-request-id"), 2u);
  EXPECT_EQ(h.find("x-request-id")->name_string(), "x-request-id");  // as inserted
}

TEST(ClientFields, AnAbsentFieldIsEmptyAndAnUnknownEnumMatchesNothing) {
  const ClientHeader h = sample_head();
  EXPECT_EQ(h[http::field::origin], "");
  EXPECT_EQ(h["x-api-key"], "");
  EXPECT_EQ(h.find(http::field::origin), h.end());
  EXPECT_EQ(ClientHeader{}[http::field::host], "");
  // "x-request-id" has no enum: it is found by its name only.
  EXPECT_EQ(h.find("x-request-id")->name(), http::field::unknown);
  EXPECT_EQ(h[http::field::unknown], "");
  EXPECT_EQ(h.count(http::field::unknown), 0u);
}

TEST(ClientFields, KeepsTheArrivalOrder) {
  const ClientHeader h = sample_head();
  const std::vector<std::pair<std::string, std::string>> expected{
      {"Host", "gateway"},
      {"Content-Type", "application/json"},
      {"x-request-id", "first-id"},
      {"Content-Type", "text/plain"},
      {"X-Request-Id", "second-id"}};
  EXPECT_EQ(listed(h), expected);
}

TEST(ClientFields, SetReplacesEveryFieldOfTheNameAndEraseCountsThem) {
  ClientHeader h = sample_head();
  h.set(http::field::content_type, "text/csv");
  EXPECT_EQ(h.count(http::field::content_type), 1u);
  EXPECT_EQ(h[http::field::content_type], "text/csv");
  h.set("X-REQUEST-ID", "third-id");
  EXPECT_EQ(h.count("x-request-id"), 1u);
  EXPECT_EQ(h["x-request-id"], "third-id");
  EXPECT_EQ(h.erase(http::field::host), 1u);
  EXPECT_EQ(h.erase(http::field::host), 0u);
  const std::vector<std::pair<std::string, std::string>> expected{{"Content-Type", "text/csv"},
                                                                  {"X-REQUEST-ID", "third-id"}};
  EXPECT_EQ(listed(h), expected);
  h.clear();
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.target(), "/v1/chat/completions");  // the start line is not a field
}

TEST(ClientFields, GrowsPastItsFirstCapacityKeepingEveryField) {
  ClientHeader h;
  for (int i = 0; i < 40; ++i) h.insert("x-field-" + std::to_string(i), std::to_string(i));
  ASSERT_EQ(h.size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(h["X-Field-" + std::to_string(i)], std::to_string(i));
}

TEST(ClientFields, CopiesAreIndependentAndMovesTakeTheFields) {
  ClientHeader original = sample_head();
  ClientHeader copy = original;
  copy.set(http::field::host, "elsewhere");
  EXPECT_EQ(original[http::field::host], "gateway");
  EXPECT_EQ(copy[http::field::host], "elsewhere");
  EXPECT_EQ(copy.target(), "/v1/chat/completions");
  EXPECT_EQ(copy.method(), http::verb::post);

  ClientHeader moved = std::move(original);
  EXPECT_EQ(moved[http::field::host], "gateway");
  EXPECT_EQ(moved.size(), 5u);
  copy = moved;
  EXPECT_EQ(copy[http::field::host], "gateway");
  copy = ClientHeader{};
  EXPECT_TRUE(copy.empty());
}

// Counts what goes through it to the heap, and checks every block comes back with its size.
class CountingResource : public std::pmr::memory_resource {
 public:
  int allocations = 0;
  std::size_t outstanding = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    ++allocations;
    outstanding += bytes;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    outstanding -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

TEST(ClientFields, AllocatesFromTheGivenResourceAndGivesEveryBlockBack) {
  CountingResource counting;
  {
    ClientFields fields(&counting);
    for (int i = 0; i < 12; ++i) fields.insert(http::field::via, "proxy-" + std::to_string(i));
    fields.set(http::field::via, "one");  // erases twelve, inserts one
    fields.insert("X-Empty", "");
    EXPECT_EQ(fields.count(http::field::via), 1u);
    EXPECT_GE(counting.allocations, 14);  // texts and the list's growth
    EXPECT_GT(counting.outstanding, 0u);
    ClientFields moved = std::move(fields);  // takes the blocks and the resource
    EXPECT_EQ(moved[http::field::via], "one");
  }
  EXPECT_EQ(counting.outstanding, 0u);
}

TEST(ClientFields, KeepAliveFollowsTheConnectionTokensByVersion) {
  ClientRequest req;
  req.version(11);
  EXPECT_TRUE(req.keep_alive());
  req.set(http::field::connection, "Upgrade, close");
  EXPECT_FALSE(req.keep_alive());
  req.version(10);
  EXPECT_FALSE(req.keep_alive());
  req.set(http::field::connection, "Keep-Alive");
  EXPECT_TRUE(req.keep_alive());
  req.keep_alive(false);
  EXPECT_FALSE(req.keep_alive());
  req.version(11);
  req.keep_alive(false);
  EXPECT_EQ(req[http::field::connection], "close");
  req.keep_alive(true);
  EXPECT_EQ(req.count(http::field::connection), 0u);
}

TEST(ClientFields, PreparePayloadSetsTheLengthOrChunking) {
  ClientRequest req;
  req.method(http::verb::post);
  req.body() = "{}";
  req.prepare_payload();
  EXPECT_EQ(req[http::field::content_length], "2");
  EXPECT_TRUE(req.has_content_length());
  EXPECT_FALSE(req.chunked());
  req.chunked(true);
  EXPECT_TRUE(req.chunked());
  EXPECT_FALSE(req.has_content_length());
  req.set(http::field::transfer_encoding, "chunked, gzip");
  EXPECT_FALSE(req.chunked());  // chunked only when it is the last coding
}

TEST(ClientFields, AMethodWithoutAVerbKeepsItsName) {
  ClientHeader h;
  h.method_string("PROPFIND2");
  EXPECT_EQ(h.method(), http::verb::unknown);
  EXPECT_EQ(h.method_string(), "PROPFIND2");
  h.method(http::verb::get);
  EXPECT_EQ(h.method_string(), "GET");
}

}  // namespace
}  // namespace roci::server
