#include "server/api/response_store.h"

#include <utility>

namespace roci::server {
namespace {

// Memory an entry holds, near enough for a bound: the strings and the message texts.
std::size_t footprint(const StoredResponse& r) {
  std::size_t n = sizeof(StoredResponse) + r.id.size() + r.body.size();
  for (const auto& m : r.conversation) {
    n += sizeof(ModelMessage) + m.content.size() + m.tool_call_id.size() + m.name.size();
    for (const auto& p : m.parts) n += sizeof(ContentPart) + p.text.size() + p.image_url.size();
    for (const auto& c : m.tool_calls) {
      n += sizeof(ToolCall) + c.id.size() + c.name.size() + c.arguments.size();
    }
  }
  return n;
}

}  // namespace

void ResponseStore::drop_front() {
  bytes_ -= order_.front().bytes;
  index_.erase(order_.front().response->id);
  order_.pop_front();
}

void ResponseStore::drop_expired(Clock::time_point now) {
  while (!order_.empty() && now - order_.front().stored_at >= options_.ttl) drop_front();
}

ResponseStore::Order::iterator ResponseStore::find(std::string_view id) {
  auto it = index_.find(id);
  return it == index_.end() ? order_.end() : it->second;
}

void ResponseStore::put(StoredResponse response) {
  const std::size_t size = footprint(response);
  if (options_.max_entries == 0 || size > options_.max_bytes) return;
  auto entry = std::make_shared<const StoredResponse>(std::move(response));
  const auto now = now_();
  std::lock_guard lock(mutex_);
  if (auto old = find(entry->id); old != order_.end()) {
    bytes_ -= old->bytes;
    index_.erase(old->response->id);
    order_.erase(old);
  }
  order_.push_back(Entry{std::move(entry), size, now});
  index_.emplace(order_.back().response->id, std::prev(order_.end()));
  bytes_ += size;
  drop_expired(now);
  while (order_.size() > options_.max_entries || bytes_ > options_.max_bytes) drop_front();
}

std::shared_ptr<const StoredResponse> ResponseStore::get(std::string_view id) {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  drop_expired(now);
  auto it = find(id);
  return it == order_.end() ? nullptr : it->response;
}

bool ResponseStore::erase(std::string_view id) {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  drop_expired(now);
  auto it = find(id);
  if (it == order_.end()) return false;
  bytes_ -= it->bytes;
  index_.erase(it->response->id);
  order_.erase(it);
  return true;
}

std::size_t ResponseStore::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

std::size_t ResponseStore::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace roci::server
