#include "fleet/route_decision.h"

#include <cstddef>

namespace roci::fleet {
namespace {

bool has_model(const HostView& h) { return h.usable && h.model != Presence::kAbsent; }

bool has_free_slot(const HostView& h) {
  return h.queued == 0 && (h.max_concurrent <= 0 || h.in_flight < h.max_concurrent);
}

// Larger is better; unlimited hosts count as having a large fixed capacity.
long free_capacity(const HostView& h) {
  const long cap = h.max_concurrent <= 0 ? 1L << 20 : h.max_concurrent;
  return cap - h.in_flight - h.queued;
}

// The best host by `better` (a strict "a is better than b"), ties broken uniformly by `tie`
// (reservoir choice over the equal best ones, with the tie bits as the random source).
template <class Eligible, class Better, class Equal>
int pick(std::span<const HostView> hosts, std::uint64_t tie, Eligible eligible, Better better,
         Equal equal) {
  int best = -1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const HostView& h = hosts[i];
    if (!eligible(h)) continue;
    if (best < 0 || better(h, hosts[best])) {
      best = static_cast<int>(i);
      seen = 1;
    } else if (equal(h, hosts[best])) {
      ++seen;
      // Keep the newcomer with probability 1/seen.
      tie = tie * 6364136223846793005ULL + 1442695040888963407ULL;
      if ((tie >> 33) % seen == 0) best = static_cast<int>(i);
    }
  }
  return best;
}

RouteDecision load_decision(std::span<const HostView> hosts, std::uint64_t tie) {
  // Idle first, then the least in flight; a JIT-only host only while idle (rule 9).
  auto candidate = [](const HostView& h) {
    return has_model(h) && h.model == Presence::kOnDisk && (h.loadable || h.in_flight == 0);
  };
  const int host = pick(
      hosts, tie, candidate,
      [](const HostView& a, const HostView& b) { return a.in_flight < b.in_flight; },
      [](const HostView& a, const HostView& b) { return a.in_flight == b.in_flight; });
  if (host >= 0) {
    return {hosts[host].loadable ? RouteAction::kLoad : RouteAction::kJitLoad, host};
  }
  // Every candidate is a busy JIT host: wait for the least busy one to drain.
  const int busy = pick(
      hosts, tie, [](const HostView& h) { return has_model(h) && h.model == Presence::kOnDisk; },
      [](const HostView& a, const HostView& b) { return a.in_flight < b.in_flight; },
      [](const HostView& a, const HostView& b) { return a.in_flight == b.in_flight; });
  if (busy < 0) return {RouteAction::kNoHost, -1};
  const HostView& h = hosts[busy];
  if (h.queued >= h.max_queue) return {RouteAction::kQueueFull, busy};
  return {RouteAction::kWaitForIdle, busy};
}

}  // namespace

RouteDecision decide(std::span<const HostView> hosts, const RouteQuery& query) {
  auto loaded = [](const HostView& h) { return has_model(h) && h.model == Presence::kLoaded; };
  const int run = pick(
      hosts, query.tie, [&](const HostView& h) { return loaded(h) && has_free_slot(h); },
      [](const HostView& a, const HostView& b) { return free_capacity(a) > free_capacity(b); },
      [](const HostView& a, const HostView& b) { return free_capacity(a) == free_capacity(b); });
  if (run >= 0) return {RouteAction::kRun, run};

  const int queue = pick(
      hosts, query.tie, loaded,
      [](const HostView& a, const HostView& b) { return a.queued < b.queued; },
      [](const HostView& a, const HostView& b) { return a.queued == b.queued; });
  if (queue >= 0) {
    const HostView& h = hosts[queue];
    if (h.queued >= query.spill_queue_depth && !query.load_in_flight) {
      const RouteDecision spill = load_decision(hosts, query.tie);
      if (spill.action == RouteAction::kLoad || spill.action == RouteAction::kJitLoad) return spill;
    }
    if (h.queued >= h.max_queue) return {RouteAction::kQueueFull, queue};
    return {RouteAction::kQueue, queue};
  }

  // Loaded nowhere. A load in flight, ours or one a host reports: wait for it.
  int loading = -1;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (has_model(hosts[i]) && hosts[i].model == Presence::kLoading) {
      loading = static_cast<int>(i);
      break;
    }
  }
  if (query.load_in_flight || loading >= 0) {
    if (loading >= 0 && hosts[loading].queued >= hosts[loading].max_queue) {
      return {RouteAction::kQueueFull, loading};
    }
    return {RouteAction::kWaitForLoad, loading};
  }
  return load_decision(hosts, query.tie);
}

}  // namespace roci::fleet
