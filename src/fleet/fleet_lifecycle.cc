// FleetProvider::load_model / unload_model: explicit model lifecycle through the hosts' APIs,
// under the same single-flight rule as the JIT loads of fleet_router.cc.
#include <roci/fleet/fleet_provider.h>

#include "fleet/fleet_router.h"
#include "fleet/fleet_state.h"

#include <boost/asio/this_coro.hpp>

namespace roci::fleet {

using detail::Clock;
using detail::FleetState;
using detail::Router;

namespace {

// The host a load of `model` goes to, or an error. kWait: a load of it is in flight.
struct LoadChoice {
  enum Kind { kLoad, kAlready, kWait } kind = kLoad;
  int host = -1;
};

Result<LoadChoice> choose_load_locked(FleetState& st, const detail::Target& target) {
  if (auto load = st.loads.find(target.model); load != st.loads.end()) {
    return LoadChoice{LoadChoice::kWait, load->second.host};
  }
  int best = -1;
  bool any = false;
  for (std::size_t i = 0; i < st.hosts.size(); ++i) {
    const detail::HostState& h = st.hosts[i];
    if (!target.allowed[i] || !h.usable()) continue;
    const auto it = h.models.find(target.model);
    if (it == h.models.end()) continue;
    any = true;
    if (it->second.presence == Presence::kLoaded) {
      return LoadChoice{LoadChoice::kAlready, static_cast<int>(i)};
    }
    if (it->second.loadable && (best < 0 || h.in_flight < st.hosts[best].in_flight)) {
      best = static_cast<int>(i);
    }
  }
  if (!any) {
    return Error::model_not_found(
        "Model " + target.model + " is not on any usable backend" +
        (target.pinned >= 0 ? " named " + st.specs[target.pinned].name : std::string()));
  }
  if (best < 0) {
    return Error::unsupported(
        "No backend that has model " + target.model +
        " can load it through its API (LM Studio 0.4 or later, or llama.cpp in router mode); "
        "its first request loads it instead");
  }
  st.loads[target.model] = detail::LoadEntry{.host = best, .jit = false, .started = Clock::now()};
  ++st.hosts[best].counters.loads_started;
  return LoadChoice{LoadChoice::kLoad, best};
}

}  // namespace

asio::awaitable<Result<ModelLoadResult>> FleetProvider::load_model(std::string model) {
  FleetState& st = fleet_->state();
  auto shared = std::shared_ptr<FleetState>(fleet_, &st);
  auto target = detail::resolve_target(st, model);
  if (!target) co_return target.error();
  Router waiter_owner(shared, *target);
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    Result<LoadChoice> choice = Error::internal("unset");
    std::shared_ptr<detail::Waiter> waiter;
    {
      std::lock_guard lock(st.mutex);
      choice = choose_load_locked(st, *target);
      if (choice && choice->kind == LoadChoice::kWait) {
        waiter = Router::park_locked(st, executor, choice->host);
      }
    }
    if (!choice) co_return choice.error();
    const int host = choice->host;
    if (choice->kind == LoadChoice::kWait) {
      auto woken = co_await waiter_owner.wait(waiter);
      if (!woken) co_return woken.error();
      continue;
    }
    const std::string& backend = st.specs[host].name;
    if (choice->kind == LoadChoice::kAlready) {
      co_return ModelLoadResult{.model = target->model,
                                .instance_id = target->model,
                                .backend = backend,
                                .already = true};
    }
    const auto start = Clock::now();
    auto loaded = co_await backend_provider(host).load_model(target->model);
    if (!loaded && loaded.error().kind == ErrorKind::kCancelled) {
      st.orphan_load(target->model, host);
    } else {
      st.finish_load(target->model, host, static_cast<bool>(loaded));
    }
    if (!loaded) {
      Error e = loaded.error();
      e.backend = backend;
      co_return e;
    }
    loaded->backend = backend;
    loaded->model = target->model;
    loaded->duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    co_return std::move(*loaded);
  }
}

asio::awaitable<Result<ModelLoadResult>> FleetProvider::unload_model(std::string model) {
  FleetState& st = fleet_->state();
  auto target = detail::resolve_target(st, model);
  if (!target) co_return target.error();
  std::vector<int> hosts;
  {
    std::lock_guard lock(st.mutex);
    for (std::size_t i = 0; i < st.hosts.size(); ++i) {
      const detail::HostState& h = st.hosts[i];
      if (!target->allowed[i] || !h.usable()) continue;
      const auto it = h.models.find(target->model);
      if (it != h.models.end() && it->second.presence == Presence::kLoaded) {
        hosts.push_back(static_cast<int>(i));
      }
    }
  }
  if (hosts.empty()) {
    co_return ModelLoadResult{
        .model = target->model, .instance_id = target->model, .already = true};
  }
  ModelLoadResult result;
  for (int host : hosts) {
    auto unloaded = co_await backend_provider(host).unload_model(target->model);
    st.request_refresh(host);
    if (!unloaded) {
      Error e = unloaded.error();
      e.backend = st.specs[host].name;
      co_return e;
    }
    {
      std::lock_guard lock(st.mutex);
      auto& models = st.hosts[host].models;
      if (auto it = models.find(target->model); it != models.end()) {
        it->second.presence = Presence::kOnDisk;
        it->second.info.state = "not-loaded";
      }
    }
    result = std::move(*unloaded);
    result.backend = st.specs[host].name;
  }
  result.model = target->model;
  co_return result;
}

}  // namespace roci::fleet
