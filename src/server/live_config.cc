#include "server/live_config.h"

#include "server/observability/metrics.h"
#include "server/routing/model_catalog.h"
#include "server/routing/provider_set.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <stdexcept>

namespace roci::server {
namespace {

// True when the two configurations build the same providers: no inference.* key differs.
bool same_upstream(const config::GatewayConfig& a, const config::GatewayConfig& b) {
  for (const auto& change : config::diff_config(a, b)) {
    if (change.key.starts_with("inference.")) return false;
  }
  return true;
}

bool same_backend(const config::BackendSection& a, const config::BackendSection& b) {
  return a.name == b.name && a.base_url == b.base_url && a.provider == b.provider &&
         a.max_concurrent == b.max_concurrent && a.api_key_env == b.api_key_env &&
         a.api_key == b.api_key && a.http_overrides == b.http_overrides;
}

// A background refresh holds the state's provider set and catalog until its list_models() ends
// (with its own deadlines), so a reload may drop them meanwhile. Its result is the catalog's.
asio::awaitable<void> refresh_in_background(std::shared_ptr<ProviderSet> providers,
                                            std::shared_ptr<ModelCatalog> catalog,
                                            Provider* provider) {
  (void)co_await catalog->refresh(*provider);
}

// Every provider the catalog lists is owned by `providers` (primary, selectors, the JIT gate).
void set_background_refresh(const std::shared_ptr<ProviderSet>& providers,
                            const std::shared_ptr<ModelCatalog>& catalog,
                            const asio::any_io_executor& executor) {
  if (!executor) return;
  catalog->set_background_refresh([executor, weak_providers = std::weak_ptr(providers),
                                   weak_catalog = std::weak_ptr(catalog)](Provider& provider) {
    auto providers = weak_providers.lock();  // alive: the caller's request holds them
    auto catalog = weak_catalog.lock();
    if (!providers || !catalog) return false;
    // Posted: co_spawn on the running thread would start the refresh at once, and its first
    // request would take the idle upstream connection the caller is about to use.
    asio::post(executor, [executor, providers = std::move(providers), catalog = std::move(catalog),
                          p = &provider]() mutable {
      asio::co_spawn(executor, refresh_in_background(std::move(providers), std::move(catalog), p),
                     asio::detached);
    });
    return true;
  });
}

}  // namespace

bool same_fleet(const config::GatewayConfig& a, const config::GatewayConfig& b) {
  const auto& x = a.inference.backends;
  const auto& y = b.inference.backends;
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!same_backend(x[i], y[i])) return false;
  }
  if (x.empty()) return true;  // no fleet either way
  for (const auto& change : config::diff_config(a, b)) {
    if (change.key.starts_with("inference.") || change.key.starts_with("routing.")) return false;
  }
  return true;
}

LiveConfig::LiveConfig(config::GatewayConfig initial, std::shared_ptr<fleet::Fleet> fleet)
    : current_(std::make_shared<const SharedConfig>(std::move(initial), 1, std::move(fleet))) {}

std::shared_ptr<const SharedConfig> LiveConfig::get() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::uint64_t LiveConfig::publish(config::GatewayConfig next, std::shared_ptr<fleet::Fleet> fleet) {
  std::lock_guard lock(mutex_);
  const std::uint64_t generation = current_->generation + 1;
  current_ = std::make_shared<const SharedConfig>(std::move(next), generation, std::move(fleet));
  generation_.store(generation, std::memory_order_release);
  return generation;
}

Result<std::shared_ptr<WorkerState>> rebuild_worker_state(const WorkerState* previous,
                                                          std::shared_ptr<const SharedConfig> next,
                                                          WorkerResources& resources) {
  std::shared_ptr<ProviderSet> providers;
  std::shared_ptr<ModelCatalog> catalog;
  if (previous != nullptr && previous->shared->fleet == next->fleet &&
      same_upstream(previous->shared->config, next->config)) {
    providers = previous->providers;
    catalog = previous->catalog;
  } else {
    auto set = ProviderSet::create(next->config, resources.count_retry, next->fleet);
    if (!set) return set.error();
    providers = std::make_shared<ProviderSet>(std::move(*set));
    catalog = std::make_shared<ModelCatalog>();
    set_background_refresh(providers, catalog, resources.executor);
  }
  // The context refers into the objects the state owns (shared_ptr targets never move).
  WorkerContext context{next->config, *providers,      resources.metrics,  resources.admission,
                        *catalog,     resources.admin, resources.responses};
  return std::make_shared<WorkerState>(WorkerState{.shared = std::move(next),
                                                   .providers = std::move(providers),
                                                   .catalog = std::move(catalog),
                                                   .context = context});
}

WorkerStates::WorkerStates(const LiveConfig& live, WorkerResources resources)
    : live_(live), resources_(std::move(resources)) {
  auto state = rebuild_worker_state(nullptr, live_.get(), resources_);
  if (!state) throw std::runtime_error("cannot create the provider: " + state.error().message);
  state_ = std::move(*state);
}

void WorkerStates::refresh() {
  const std::uint64_t wanted = live_.generation();
  if (wanted == failed_generation_) return;
  auto next = live_.get();
  auto state = rebuild_worker_state(state_.get(), next, resources_);
  if (!state) {
    failed_generation_ = next->generation;
    spdlog::error(
        "reload: an I/O thread cannot apply configuration generation {} ({}); it keeps "
        "serving with generation {}",
        next->generation, state.error().message, state_->shared->generation);
    return;
  }
  state_ = std::move(*state);
}

}  // namespace roci::server
