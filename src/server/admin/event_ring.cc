#include "server/admin/event_ring.h"

#include <algorithm>
#include <utility>

namespace roci::server::admin {

EventRing::EventRing(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {
  slots_.reserve(capacity_);
}

void EventRing::push(RequestEvent event) {
  std::lock_guard lock(mutex_);
  event.seq = next_seq_++;
  if (slots_.size() < capacity_) {
    slots_.push_back(std::move(event));
  } else {
    slots_[(event.seq - 1) % capacity_] = std::move(event);
  }
}

EventRing::Batch EventRing::since(std::uint64_t after, std::size_t max) const {
  Batch batch;
  std::lock_guard lock(mutex_);
  const std::uint64_t newest = next_seq_ - 1;
  batch.last_seq = std::min(after, newest);
  if (after >= newest) return batch;
  const std::uint64_t oldest = newest - slots_.size() + 1;
  std::uint64_t first = after + 1;
  if (first < oldest) {
    batch.dropped = oldest - first;
    first = oldest;
  }
  const std::uint64_t last = std::min(newest, first + max - 1);
  batch.events.reserve(static_cast<std::size_t>(last - first + 1));
  for (std::uint64_t seq = first; seq <= last; ++seq) {
    batch.events.push_back(slots_[(seq - 1) % capacity_]);
  }
  batch.last_seq = last;
  return batch;
}

std::uint64_t EventRing::last_seq() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

}  // namespace roci::server::admin
