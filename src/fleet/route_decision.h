// The fleet's routing decision: a pure function of the fleet state as one request sees it.
//
//   std::vector<HostView> hosts = ...;   // one per backend, config order
//   RouteDecision d = decide(hosts, {.spill_queue_depth = 16, .tie = rng()});
//
// No clock, no I/O, no locks: the live router (fleet_router.cc) calls it under the fleet's mutex
// with the real state, the simulation (bench/fleet) with simulated hosts on a virtual clock, so
// both run the same policy. The rules (docs/ARCHITECTURE.md "The fleet"):
//  - among usable hosts that have the model, one with it loaded and free capacity runs it: the
//    most free slots (max_concurrent - in_flight - queued), ties broken by `tie`;
//  - all loaded hosts full: queue on the loaded host with the shortest queue, unless
//    spill_queue_depth requests already wait there and no load of the model is in flight, then
//    load it on another host;
//  - loaded nowhere and a load in flight (ours or one a host reports): wait for it;
//  - loaded nowhere: load it on one host, preferring one with nothing in flight, then the least in
//    flight; a host that can only JIT-load (the first request loads it, and LM Studio's "only keep
//    last JIT loaded model" may evict what it runs) is chosen only while idle; if every candidate
//    is a busy JIT host, wait for one to become idle.
#pragma once

#include <cstdint>
#include <span>

namespace roci::fleet {

enum class Presence : std::uint8_t { kAbsent, kOnDisk, kLoading, kLoaded };

struct HostView {
  bool usable = false;  // reachable, circuit closed, allowed for this request, not tried yet
  Presence model = Presence::kAbsent;  // the requested model on this host
  bool loadable = false;               // the host loads it through its API
  int in_flight = 0;                   // requests running on the host
  int queued = 0;                      // requests waiting for the host
  int max_concurrent = 4;              // <= 0: unlimited
  int max_queue = 64;
};

struct RouteQuery {
  bool load_in_flight = false;  // the fleet's single-flight table holds a load of this model
  int spill_queue_depth = 16;
  std::uint64_t tie = 0;  // random bits for tie-breaking
};

enum class RouteAction : std::uint8_t {
  kRun,          // take a slot on `host` now
  kQueue,        // wait in `host`'s FIFO queue for a slot
  kLoad,         // load the model on `host` through its API, then decide again
  kJitLoad,      // run on `host` now; this request loads the model there
  kWaitForLoad,  // a load of the model is in flight (on `host`, or -1 when unknown): wait
  kWaitForIdle,  // every load candidate is a busy JIT host (`host`: the least busy): wait
  kQueueFull,    // `host`'s queue is full
  kNoHost,       // no usable host has the model
};

struct RouteDecision {
  RouteAction action = RouteAction::kNoHost;
  int host = -1;
};

RouteDecision decide(std::span<const HostView> hosts, const RouteQuery& query);

}  // namespace roci::fleet
