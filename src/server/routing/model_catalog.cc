#include "server/routing/model_catalog.h"

#include <utility>

namespace roci::server {
namespace {

// Clears Entry::refreshing however the fetch ends (value, error, cancellation, frame destroyed).
class RefreshGuard {
 public:
  explicit RefreshGuard(bool& flag) : flag_(&flag) {}
  ~RefreshGuard() { *flag_ = false; }
  RefreshGuard(const RefreshGuard&) = delete;
  RefreshGuard& operator=(const RefreshGuard&) = delete;

 private:
  bool* flag_;
};

}  // namespace

ModelCatalog::ModelCatalog(std::chrono::milliseconds ttl, std::chrono::milliseconds error_ttl)
    : ttl_(ttl), error_ttl_(error_ttl), now_([] { return Clock::now(); }) {}

std::optional<Result<ModelList>> ModelCatalog::cached(Provider& provider) {
  auto it = entries_.find(provider.name());
  if (it == entries_.end()) return std::nullopt;
  Entry& e = it->second;
  const auto now = now_();
  if (e.list && now - e.fetched_at < ttl_) return Result<ModelList>(e.list);
  if (e.error && now < e.error_until) return Result<ModelList>(*e.error);
  if (!e.list) return std::nullopt;
  // Someone on this thread is already refreshing: the stale list is good enough meanwhile.
  if (e.refreshing) return Result<ModelList>(e.list);
  if (!background_refresh_) return std::nullopt;
  e.refreshing = true;  // before the start: no second refresh for this expiry
  if (!background_refresh_(provider)) {
    e.refreshing = false;
    return std::nullopt;
  }
  return Result<ModelList>(e.list);
}

asio::awaitable<Result<ModelList>> ModelCatalog::models(Provider& provider) {
  if (auto hit = cached(provider)) co_return std::move(*hit);
  co_return co_await refresh(provider);
}

asio::awaitable<Result<ModelList>> ModelCatalog::refresh(Provider& provider) {
  const std::string_view name = provider.name();
  auto it = entries_.find(name);
  if (it == entries_.end()) it = entries_.emplace(std::string(name), Entry{}).first;
  it->second.refreshing = true;
  // std::map nodes are stable and never erased (invalidate only empties them).
  Entry* entry = &it->second;
  RefreshGuard guard(entry->refreshing);
  auto fetched = co_await provider.list_models();
  if (!fetched) {
    if (fetched.error().kind != ErrorKind::kCancelled) {
      entry->error = fetched.error();
      entry->error_until = now_() + error_ttl_;
    }
    co_return fetched.error();
  }
  entry->list = std::make_shared<const std::vector<ModelInfo>>(std::move(*fetched));
  entry->fetched_at = now_();
  entry->error.reset();
  co_return entry->list;
}

asio::awaitable<Result<std::vector<std::string>>> ModelCatalog::loaded_models(Provider& provider) {
  auto list = co_await models(provider);
  if (!list) co_return list.error();
  std::vector<std::string> ids;
  for (const auto& m : **list) {
    if (m.loaded()) ids.push_back(m.id);
  }
  co_return ids;
}

void ModelCatalog::invalidate(std::string_view provider_name) {
  auto it = entries_.find(provider_name);
  if (it == entries_.end()) return;
  // Keep the node (a refresh in flight points into it); just make it stale.
  it->second.list.reset();
  it->second.error.reset();
}

void ModelCatalog::invalidate_all() {
  for (auto& [name, entry] : entries_) {
    entry.list.reset();
    entry.error.reset();
  }
}

std::vector<std::string> model_ids(const std::vector<ModelInfo>& models) {
  std::vector<std::string> ids;
  ids.reserve(models.size());
  for (const auto& m : models) ids.push_back(m.id);
  return ids;
}

}  // namespace roci::server
