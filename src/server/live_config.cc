#include "server/live_config.h"

#include "server/observability/metrics.h"
#include "server/routing/model_catalog.h"
#include "server/routing/provider_set.h"

#include <spdlog/spdlog.h>

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

}  // namespace

LiveConfig::LiveConfig(config::GatewayConfig initial)
    : current_(std::make_shared<const SharedConfig>(std::move(initial), 1)) {}

std::shared_ptr<const SharedConfig> LiveConfig::get() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::uint64_t LiveConfig::publish(config::GatewayConfig next) {
  std::lock_guard lock(mutex_);
  const std::uint64_t generation = current_->generation + 1;
  current_ = std::make_shared<const SharedConfig>(std::move(next), generation);
  generation_.store(generation, std::memory_order_release);
  return generation;
}

Result<std::shared_ptr<WorkerState>> rebuild_worker_state(const WorkerState* previous,
                                                          std::shared_ptr<const SharedConfig> next,
                                                          WorkerResources& resources) {
  std::shared_ptr<ProviderSet> providers;
  std::shared_ptr<ModelCatalog> catalog;
  if (previous != nullptr && same_upstream(previous->shared->config, next->config)) {
    providers = previous->providers;
    catalog = previous->catalog;
  } else {
    auto set = ProviderSet::create(next->config, resources.count_retry);
    if (!set) return set.error();
    providers = std::make_shared<ProviderSet>(std::move(*set));
    catalog = std::make_shared<ModelCatalog>();
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
