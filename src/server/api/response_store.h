// The gateway's store of Responses API answers (`store: true`), for GET / DELETE
// /v1/responses/{id} and `previous_response_id`. In memory, bounded by entries, bytes and age
// (responses.store_max_entries, responses.store_max_bytes, responses.store_ttl_secs): the oldest
// go first. Shared by every I/O thread: one mutex, held for a map operation, never across an
// await; entries are immutable once stored and handed out as shared_ptr<const>.
//
//   store.put(StoredResponse{.id = "resp_…", .body = json, .conversation = turns});
//   if (auto r = store.get("resp_…")) send(200, r->body);
//   store.erase("resp_…");   // false when unknown
#pragma once

#include <roci/core/types.h>

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace roci::server {

struct StoredResponse {
  std::string id;
  std::string body;  // the response object, as answered
  // The conversation up to and including this response's output (its instructions apart), for a
  // request that continues it with previous_response_id.
  std::vector<ModelMessage> conversation;
};

class ResponseStore {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::size_t max_entries = 1000;  // 0: nothing is stored
    std::size_t max_bytes = 64u << 20;
    std::chrono::seconds ttl{3600};
  };
  explicit ResponseStore(Options options) : options_(options) {}
  ResponseStore(const ResponseStore&) = delete;
  ResponseStore& operator=(const ResponseStore&) = delete;

  // Stores (or replaces) `response`, then drops the oldest entries past a bound. An entry larger
  // than max_bytes alone is not stored.
  void put(StoredResponse response);
  // The entry, or null when unknown or expired.
  std::shared_ptr<const StoredResponse> get(std::string_view id);
  // False when unknown or expired.
  bool erase(std::string_view id);

  std::size_t size() const;
  std::size_t bytes() const;

  // Tests: the clock the ages are measured with.
  void set_clock_for_testing(Clock::time_point (*now)()) { now_ = now; }

 private:
  struct Entry {
    std::shared_ptr<const StoredResponse> response;
    std::size_t bytes = 0;
    Clock::time_point stored_at;
  };
  using Order = std::list<Entry>;  // oldest first
  void drop_front();
  void drop_expired(Clock::time_point now);
  Order::iterator find(std::string_view id);

  Options options_;
  Clock::time_point (*now_)() = &Clock::now;
  mutable std::mutex mutex_;
  Order order_;
  std::unordered_map<std::string_view, Order::iterator> index_;  // views the entries' ids
  std::size_t bytes_ = 0;
};

}  // namespace roci::server
