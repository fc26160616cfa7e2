#include "fleet/fleet_state.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>

namespace roci::fleet::detail {

std::string fold_instance_id(std::string_view id, const std::vector<std::string>& ids) {
  const auto colon = id.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= id.size()) return std::string(id);
  const std::string_view suffix = id.substr(colon + 1);
  if (!std::all_of(suffix.begin(), suffix.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::string(id);
  }
  const std::string_view base = id.substr(0, colon);
  if (std::find(ids.begin(), ids.end(), base) == ids.end()) return std::string(id);
  return std::string(base);
}

Presence presence_of(const ModelInfo& model) {
  const std::string& s = model.state;
  if (s.empty() || s == "loaded" || s == "sleeping") return Presence::kLoaded;
  if (s == "loading") return Presence::kLoading;
  return Presence::kOnDisk;
}

FleetState::FleetState(std::vector<BackendSpec> backends, FleetOptions opts, ProviderRegistry reg)
    : options(std::move(opts)), registry(std::move(reg)), specs(std::move(backends)) {
  rng.seed(options.seed != 0 ? options.seed
                             : static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()));
  hosts.resize(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    hosts[i].spec = specs[i];
    hosts[i].kind = specs[i].provider.kind;
    hosts[i].next_cooldown = options.cooldown;
  }
}

int FleetState::index_of(std::string_view backend) const {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == backend) return static_cast<int>(i);
  }
  return -1;
}

std::vector<HostView> FleetState::views_locked(std::string_view model,
                                               const std::vector<bool>& allowed) const {
  std::vector<HostView> views(hosts.size());
  const auto load = loads.find(model);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const HostState& h = hosts[i];
    HostView& v = views[i];
    v.usable = allowed[i] && h.usable();
    v.in_flight = h.in_flight;
    v.queued = h.queued();
    v.max_concurrent = h.spec.max_concurrent;
    v.max_queue = h.spec.max_queue;
    if (auto it = h.models.find(model); it != h.models.end()) {
      v.model = it->second.presence;
      v.loadable = it->second.loadable;
    }
    if (load != loads.end() && load->second.host == static_cast<int>(i)) {
      v.model = Presence::kLoading;
    }
  }
  return views;
}

void FleetState::take_slot_locked(int host, std::string_view model) {
  ++hosts[host].in_flight;
  adopt_slot_locked(host, model);
}

void FleetState::adopt_slot_locked(int host, std::string_view model) {
  HostState& h = hosts[host];
  ++h.counters.requests;
  auto it = h.running.find(model);
  if (it == h.running.end()) it = h.running.emplace(std::string(model), 0).first;
  ++it->second;
}

bool FleetState::complete_locked(const std::shared_ptr<Waiter>& w, bool granted,
                                 std::vector<std::shared_ptr<Waiter>>& woken) {
  if (w->done) return false;
  w->done = true;
  w->granted = granted;
  woken.push_back(w);
  return true;
}

void FleetState::post_wake(std::vector<std::shared_ptr<Waiter>>& woken) {
  for (auto& w : woken) {
    asio::any_io_executor ex = w->executor;
    asio::post(ex, [w = std::move(w)] { w->timer.cancel(); });
  }
  woken.clear();
}

void FleetState::wake_changes_locked(std::vector<std::shared_ptr<Waiter>>& woken) {
  for (auto& w : change_waiters) {
    if (complete_locked(w, false, woken) && w->host >= 0) --hosts[w->host].change_waiters;
  }
  change_waiters.clear();
}

void FleetState::abandon_locked(const std::shared_ptr<Waiter>& w) {
  if (w->done) return;
  w->done = true;
  if (w->slot) {
    auto& q = hosts[w->host].queue;
    q.erase(std::remove(q.begin(), q.end(), w), q.end());
    return;
  }
  auto it = std::find(change_waiters.begin(), change_waiters.end(), w);
  if (it != change_waiters.end()) {
    change_waiters.erase(it);
    if (w->host >= 0) --hosts[w->host].change_waiters;
  }
}

void FleetState::release(int host, std::string_view model) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex);
    HostState& h = hosts[host];
    if (auto it = h.running.find(model); it != h.running.end() && --it->second <= 0) {
      h.running.erase(it);
    }
    bool handed = false;
    while (!h.queue.empty() && !handed) {
      auto next = std::move(h.queue.front());
      h.queue.pop_front();
      handed = complete_locked(next, true, woken);
    }
    // Handed over, the slot stays in flight: the new holder counts itself (adopt_slot).
    if (!handed) --h.in_flight;
    wake_changes_locked(woken);
  }
  post_wake(woken);
}

void FleetState::open_circuit(int host) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex);
    HostState& h = hosts[host];
    ++h.counters.failovers;
    if (h.circuit != CircuitState::kOpen) {
      h.circuit = CircuitState::kOpen;
      ++h.counters.circuit_opens;
      h.open_until = Clock::now() + h.next_cooldown;
      h.next_cooldown = std::min(h.next_cooldown * 2, options.max_cooldown);
    }
    // Requests queued for a host that is down decide again (they go elsewhere or wait).
    while (!h.queue.empty()) {
      auto w = std::move(h.queue.front());
      h.queue.pop_front();
      complete_locked(w, false, woken);
    }
    wake_changes_locked(woken);
    request_refresh_locked(host, woken);
  }
  post_wake(woken);
}

void FleetState::host_succeeded(int host) {
  std::lock_guard lock(mutex);
  hosts[host].next_cooldown = options.cooldown;
}

void FleetState::close_circuit_locked(int host) {
  HostState& h = hosts[host];
  h.circuit = CircuitState::kClosed;
}

void FleetState::finish_load(std::string_view model, int host, bool ok) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex);
    HostState& h = hosts[host];
    if (auto it = loads.find(model); it != loads.end() && it->second.host == host) {
      const auto took =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - it->second.started);
      if (ok) {
        ++h.counters.loads_finished;
        h.counters.load_time_total += took;
      }
      loads.erase(it);
    }
    if (ok) {
      auto entry = h.models.find(model);
      if (entry == h.models.end()) entry = h.models.emplace(std::string(model), ModelEntry{}).first;
      entry->second.presence = Presence::kLoaded;
      entry->second.info.state = "loaded";
    }
    wake_changes_locked(woken);
    request_refresh_locked(host, woken);
  }
  post_wake(woken);
}

void FleetState::orphan_load(std::string_view model, int host) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex);
    if (auto it = loads.find(model); it != loads.end() && it->second.host == host) {
      it->second.orphaned = true;
    }
    request_refresh_locked(host, woken);
  }
  post_wake(woken);
}

void FleetState::model_missing(int host, std::string_view model) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex);
    hosts[host].models.erase(std::string(model));
    request_refresh_locked(host, woken);
  }
  post_wake(woken);
}

void FleetState::request_refresh_locked(int host, std::vector<std::shared_ptr<Waiter>>& woken) {
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (host >= 0 && static_cast<int>(i) != host) continue;
    hosts[i].refresh_requested = true;
    if (hosts[i].prober && !hosts[i].prober->done) {
      hosts[i].prober->done = true;
      woken.push_back(hosts[i].prober);
    }
  }
}

void FleetState::request_refresh(int host) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex);
    request_refresh_locked(host, woken);
  }
  post_wake(woken);
}

void FleetState::apply_probe(int host, const ProviderHealth& health,
                             const Result<std::vector<ModelInfo>>* models) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex);
    HostState& h = hosts[host];
    h.probed = true;
    h.reachable = health.reachable;
    h.latency = health.latency;
    h.detail = health.detail;
    if (h.circuit != CircuitState::kClosed && Clock::now() >= h.open_until) {
      if (health.reachable) {
        close_circuit_locked(host);
      } else {  // still down after its cooldown: open again, for longer
        h.open_until = Clock::now() + h.next_cooldown;
        h.next_cooldown = std::min(h.next_cooldown * 2, options.max_cooldown);
      }
    }
    if (models != nullptr && *models) {
      std::vector<std::string> ids;
      for (const auto& m : **models) ids.push_back(m.id);
      std::map<std::string, ModelEntry, std::less<>> next;
      for (const auto& m : **models) {
        const std::string id = fold_instance_id(m.id, ids);
        auto [it, fresh] = next.try_emplace(id);
        ModelEntry& e = it->second;
        const Presence p = presence_of(m);
        if (fresh) {
          e.info = m;
          e.info.id = id;
          e.presence = p;
        } else if (p == Presence::kLoaded ||
                   (p == Presence::kLoading && e.presence != Presence::kLoaded)) {
          e.presence = p;  // a duplicate instance counts toward the folded model's state
        }
        if (id != m.id && p == Presence::kLoaded) e.instances.push_back(m.id);
        for (const auto& inst : m.instances) {
          if (std::find(e.instances.begin(), e.instances.end(), inst) == e.instances.end()) {
            e.instances.push_back(inst);
          }
        }
        e.loadable = e.loadable || m.loadable;
        e.info.state = e.presence == Presence::kLoaded    ? "loaded"
                       : e.presence == Presence::kLoading ? "loading"
                                                          : "not-loaded";
      }
      h.models = std::move(next);
    } else if (!health.reachable) {
      // Keep the last model list: a host that comes back usually has the same models.
    }
    // Orphaned loads on this host: confirmed when loaded, forgotten when the host shows no load
    // (or after load_timeout).
    for (auto it = loads.begin(); it != loads.end();) {
      const LoadEntry& load = it->second;
      if (load.host != host || !load.orphaned) {
        ++it;
        continue;
      }
      const auto m = h.models.find(it->first);
      const bool loaded = m != h.models.end() && m->second.presence == Presence::kLoaded;
      const bool loading = m != h.models.end() && m->second.presence == Presence::kLoading;
      const bool expired = Clock::now() - load.started > options.load_timeout;
      if (loaded || !loading || expired) {
        if (loaded) ++h.counters.loads_finished;
        it = loads.erase(it);
      } else {
        ++it;
      }
    }
    wake_changes_locked(woken);
  }
  post_wake(woken);
}

BackendSnapshot FleetState::snapshot_locked(int host) const {
  const HostState& h = hosts[host];
  BackendSnapshot s;
  s.name = h.spec.name;
  s.kind = h.kind;
  s.base_url = h.base_url;
  s.probed = h.probed;
  s.reachable = h.reachable;
  s.usable = h.usable();
  s.latency = h.latency;
  s.detail = h.detail;
  for (const auto& [id, e] : h.models) {
    s.models.push_back(id);
    bool loading = e.presence == Presence::kLoading;
    if (auto l = loads.find(id); l != loads.end() && l->second.host == host) loading = true;
    if (e.presence == Presence::kLoaded) {
      s.loaded_models.push_back(id);
    } else if (loading) {
      s.loading_models.push_back(id);
    }
  }
  s.in_flight = h.in_flight;
  s.queued = h.queued();
  s.max_concurrent = h.spec.max_concurrent;
  s.max_queue = h.spec.max_queue;
  s.circuit = h.circuit;
  if (h.circuit == CircuitState::kOpen && Clock::now() >= h.open_until) {
    s.circuit = CircuitState::kHalfOpen;  // cooling down is over; waiting for its probe
  }
  s.cooldown = h.next_cooldown;
  s.counters = h.counters;
  return s;
}

}  // namespace roci::fleet::detail
