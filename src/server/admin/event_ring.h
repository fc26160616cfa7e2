// The bounded ring of recent RequestEvents behind the console's live feed (GET /admin/events).
//
//   EventRing ring(500);
//   ring.push(std::move(event));                 // any I/O thread, after a request ended
//   ring.emplace([&](RequestEvent& slot) { fill_request_event(slot, log, "POST", now, false); });
//   auto batch = ring.since(last_seen, 64);      // the feed: events with seq > last_seen
//   for (auto& e : batch.events) send(e);  last_seen = batch.last_seq;
//
// Thread-safe: one mutex, held to move (or fill) one event in or to copy a batch out (never across
// I/O), so a slow or gone feed reader never holds up a request thread. Sequence numbers start at 1
// and never repeat; a reader that fell more than `capacity` behind skips what was overwritten
// (`dropped` says how many).
#pragma once

#include "server/admin/request_event.h"

#include <cstdint>
#include <mutex>
#include <vector>

namespace roci::server::admin {

class EventRing {
 public:
  explicit EventRing(std::size_t capacity);

  void push(RequestEvent event);
  // Calls fill(slot) under the lock with the slot the next event takes (the oldest one once the
  // ring is full, so its strings' storage is reused): fill sets every field but seq, and must
  // not lock anything that is held while calling into the ring.
  template <class Fill>
  void emplace(Fill&& fill) {
    std::lock_guard lock(mutex_);
    const std::uint64_t seq = next_seq_++;
    if (slots_.size() < capacity_) slots_.emplace_back();  // slots_[seq - 1]
    RequestEvent& slot = slots_[(seq - 1) % capacity_];
    fill(slot);
    slot.seq = seq;
  }

  struct Batch {
    std::vector<RequestEvent> events;  // oldest first
    std::uint64_t last_seq = 0;        // pass back to since(); unchanged when nothing is new
    std::uint64_t dropped = 0;         // events after `after` that were already overwritten
  };
  // At most `max` events with seq > after, oldest first.
  Batch since(std::uint64_t after, std::size_t max) const;

  std::uint64_t last_seq() const;
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<RequestEvent> slots_;  // slots_[(seq - 1) % capacity_]
  std::uint64_t next_seq_ = 1;
};

}  // namespace roci::server::admin
