#include <roci/fleet/fleet.h>

#include "fleet/fleet_state.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

namespace roci::fleet {

using detail::Clock;
using detail::FleetState;

std::string_view to_string(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half-open";
  }
  return "closed";
}

bool FleetSnapshot::usable() const {
  return std::any_of(backends.begin(), backends.end(),
                     [](const BackendSnapshot& b) { return b.usable; });
}

namespace {

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string normalized_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with("/v1")) url.resize(url.size() - 3);
  return url;
}

// The spec the probe loop's provider is built from: every deadline within probe_timeout, no
// retries (a probe reports the state now).
ProviderSpec probe_spec(ProviderSpec spec, std::chrono::milliseconds timeout) {
  spec.http.connect_timeout = std::min(spec.http.connect_timeout, timeout);
  spec.http.first_byte_timeout = std::min(spec.http.first_byte_timeout, timeout);
  spec.http.request_timeout = std::min(spec.http.request_timeout, timeout);
  spec.http.max_retries = 0;
  return spec;
}

asio::awaitable<void> probe_loop(std::shared_ptr<FleetState> st, int host,
                                 std::unique_ptr<Provider> provider) {
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    {
      std::lock_guard lock(st->mutex);
      if (st->stopping) co_return;
      st->hosts[host].refresh_requested = false;
    }
    auto health = co_await provider->health();
    ProviderHealth h;
    if (health) {
      h = std::move(*health);
    } else {
      h.detail = health.error().message;
    }
    if (h.reachable) {
      auto models = co_await provider->list_models();
      st->apply_probe(host, h, &models);
    } else {
      st->apply_probe(host, h, nullptr);
    }
    auto waiter = std::make_shared<detail::Waiter>(executor);
    Clock::time_point wake = Clock::now() + st->options.probe_interval;
    {
      std::lock_guard lock(st->mutex);
      if (st->stopping) co_return;
      detail::HostState& hs = st->hosts[host];
      if (hs.refresh_requested) continue;
      if (hs.circuit != CircuitState::kClosed) wake = std::min(wake, hs.open_until);
      hs.prober = waiter;
    }
    waiter->timer.expires_at(wake);
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(st->mutex);
    waiter->done = true;
    st->hosts[host].prober.reset();
  }
}

}  // namespace

Result<std::shared_ptr<Fleet>> Fleet::create(std::vector<BackendSpec> backends,
                                             FleetOptions options,
                                             const ProviderRegistry& registry) {
  std::vector<std::string> problems;
  if (backends.empty()) problems.push_back("the fleet has no backends");
  std::set<std::string> names, urls;
  for (std::size_t i = 0; i < backends.size(); ++i) {
    BackendSpec& b = backends[i];
    const std::string where = "backend " + std::to_string(i + 1) + " (" + b.name + ")";
    if (!valid_name(b.name)) {
      problems.push_back(where + ": name must be non-empty and only a-z, 0-9, '_' and '-'");
    } else if (!names.insert(b.name).second) {
      problems.push_back(where + ": the name is used twice");
    }
    if (b.max_queue < 0) problems.push_back(where + ": max_queue must be >= 0");
    if (options.spill_queue_depth >= b.max_queue && b.max_queue > 0) {
      problems.push_back(where + ": spill_queue_depth (" +
                         std::to_string(options.spill_queue_depth) +
                         ") must be below its max_queue (" + std::to_string(b.max_queue) + ")");
    }
    b.provider.name = b.name;
    auto built = registry.create(b.provider);
    if (!built) {
      problems.push_back(where + ": " + built.error().message);
      continue;
    }
    const std::string url = normalized_url((*built)->base_url());
    if (!url.empty() && !urls.insert(url).second) {
      problems.push_back(where + ": base_url " + url + " is used by another backend");
    }
  }
  if (!problems.empty()) {
    std::string message = "The fleet configuration has " + std::to_string(problems.size()) +
                          (problems.size() == 1 ? " problem: " : " problems: ");
    for (std::size_t i = 0; i < problems.size(); ++i) {
      message += (i ? "; " : "") + problems[i];
    }
    return Error::invalid_request(std::move(message), "backends");
  }
  auto state = std::make_shared<FleetState>(std::move(backends), std::move(options), registry);
  for (std::size_t i = 0; i < state->specs.size(); ++i) {
    auto built = registry.create(state->specs[i].provider);
    if (built) state->hosts[i].base_url = (*built)->base_url();
  }
  return std::shared_ptr<Fleet>(new Fleet(std::move(state)));
}

Fleet::Fleet(std::shared_ptr<FleetState> state) : state_(std::move(state)) {}

Fleet::~Fleet() { stop(); }

void Fleet::start(asio::any_io_executor executor) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->probe_executor) return;
    state_->probe_executor = executor;
  }
  for (std::size_t i = 0; i < state_->specs.size(); ++i) {
    auto provider = state_->registry.create(
        probe_spec(state_->specs[i].provider, state_->options.probe_timeout));
    if (!provider) continue;  // create() checked every spec
    asio::co_spawn(executor, probe_loop(state_, static_cast<int>(i), std::move(*provider)),
                   asio::detached);
  }
}

void Fleet::stop() {
  std::vector<std::shared_ptr<detail::Waiter>> woken;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    state_->request_refresh_locked(-1, woken);
  }
  FleetState::post_wake(woken);
}

void Fleet::refresh(std::string_view backend) {
  state_->request_refresh(backend.empty() ? -1 : state_->index_of(backend));
}

FleetSnapshot Fleet::snapshot() const {
  FleetSnapshot snapshot;
  std::lock_guard lock(state_->mutex);
  for (std::size_t i = 0; i < state_->hosts.size(); ++i) {
    snapshot.backends.push_back(state_->snapshot_locked(static_cast<int>(i)));
  }
  return snapshot;
}

std::vector<ModelInfo> Fleet::models() const {
  std::vector<ModelInfo> out;
  std::lock_guard lock(state_->mutex);
  for (const auto& h : state_->hosts) {
    for (const auto& [id, entry] : h.models) {
      auto it =
          std::find_if(out.begin(), out.end(), [&](const ModelInfo& m) { return m.id == id; });
      if (it == out.end()) {
        out.push_back(entry.info);
        it = std::prev(out.end());
        it->backends.clear();
        it->instances.clear();
        it->state = "not-loaded";
      }
      it->backends.push_back(h.spec.name);
      if (entry.presence == Presence::kLoaded) it->state = "loaded";
      it->loadable = it->loadable || entry.loadable;
      for (const auto& inst : entry.instances) it->instances.push_back(inst);
    }
  }
  return out;
}

const std::vector<BackendSpec>& Fleet::backends() const { return state_->specs; }
const FleetOptions& Fleet::options() const { return state_->options; }
const ProviderRegistry& Fleet::registry() const { return state_->registry; }

bool Fleet::probed() const {
  std::lock_guard lock(state_->mutex);
  return std::all_of(state_->hosts.begin(), state_->hosts.end(),
                     [](const detail::HostState& h) { return h.probed; });
}

}  // namespace roci::fleet
