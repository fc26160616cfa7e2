// The shared state behind roci::fleet::Fleet (internal): hosts, the single-flight load table and
// the waiters. Every member function takes `mutex` itself unless its name ends in _locked (the
// caller holds it). The mutex is held for a few instructions and never across co_await.
//
// Waiting: a request that must wait (a full backend, a load in flight) parks a Waiter: a timer on
// the request's own executor that the waker cancels by posting to that executor. Who completes a
// waiter is decided once, under the mutex (`done`). A slot waiter sits in its host's FIFO `queue`
// and is handed a slot by release() (in_flight unchanged); a change waiter sits in
// `change_waiters` and is woken by any state change (a release, a load finishing, a probe), then
// decides again. The waiting coroutine's executor must be single-threaded or a strand (as for
// every Provider: one per thread).
#pragma once

#include <roci/fleet/fleet.h>
#include <roci/provider/provider.h>

#include "fleet/route_decision.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace roci::fleet::detail {

using Clock = std::chrono::steady_clock;

struct Waiter {
  explicit Waiter(asio::any_io_executor ex) : executor(std::move(ex)), timer(executor) {}
  asio::any_io_executor executor;
  asio::steady_timer timer;
  int host = -1;         // the host whose queue (slot waiter) or count (change waiter) it is in
  bool slot = false;     // a slot waiter (in hosts[host].queue)
  bool done = false;     // guarded by FleetState::mutex
  bool granted = false;  // a slot was handed over (slot waiters)
};

struct ModelEntry {
  Presence presence = Presence::kOnDisk;
  bool loadable = false;
  std::vector<std::string> instances;
  ModelInfo info;
};

struct HostState {
  BackendSpec spec;
  std::string kind, base_url;
  bool probed = false, reachable = false;
  std::chrono::microseconds latency{0};
  std::string detail;
  std::map<std::string, ModelEntry, std::less<>> models;  // folded ids
  int in_flight = 0;
  int change_waiters = 0;  // change waiters counted against this host (shown as queued)
  std::deque<std::shared_ptr<Waiter>> queue;
  std::map<std::string, int, std::less<>> running;  // model -> requests in flight
  CircuitState circuit = CircuitState::kClosed;
  Clock::time_point open_until{};
  std::chrono::milliseconds next_cooldown{0};
  BackendCounters counters;
  std::shared_ptr<Waiter> prober;  // the probe loop's wake-up timer, once started
  bool refresh_requested = false;

  int queued() const { return static_cast<int>(queue.size()) + change_waiters; }
  bool usable() const { return probed && reachable && circuit == CircuitState::kClosed; }
};

struct LoadEntry {
  int host = -1;
  bool jit = false;
  bool orphaned = false;  // the loader went away: a probe confirms or forgets the load
  Clock::time_point started{};
};

// Folds LM Studio's duplicate-instance ids: "m:2" becomes "m" when "m" is in `ids` too.
std::string fold_instance_id(std::string_view id, const std::vector<std::string>& ids);
// A listed model's presence: "loaded"/"sleeping" -> loaded, "loading", "not-loaded"/"unloaded"
// -> on disk, "" (hosts that list only what they serve) -> loaded.
Presence presence_of(const ModelInfo& model);

struct FleetState {
  FleetState(std::vector<BackendSpec> backends, FleetOptions options, ProviderRegistry registry);

  const FleetOptions options;
  const ProviderRegistry registry;
  const std::vector<BackendSpec> specs;

  mutable std::mutex mutex;
  std::vector<HostState> hosts;
  std::map<std::string, LoadEntry, std::less<>> loads;  // model -> its one load in flight
  std::vector<std::shared_ptr<Waiter>> change_waiters;
  std::mt19937_64 rng;
  bool stopping = false;
  std::optional<asio::any_io_executor> probe_executor;

  int index_of(std::string_view backend) const;  // -1 when unknown; specs are immutable

  // The view of every host for `model`; hosts not in `allowed` (or excluded) are unusable.
  std::vector<HostView> views_locked(std::string_view model,
                                     const std::vector<bool>& allowed) const;

  // Releases one slot of `host` (hands it to the oldest waiter if any) and wakes change waiters.
  void release(int host, std::string_view model);
  // Takes a slot on `host` for `model` (the caller decided kRun/kJitLoad under the lock).
  void take_slot_locked(int host, std::string_view model);
  // Counts a slot handed over by release() as this request's, for `model`.
  void adopt_slot_locked(int host, std::string_view model);
  // Completes every change waiter (posts; call with the lock held, collects into `woken`).
  void wake_changes_locked(std::vector<std::shared_ptr<Waiter>>& woken);
  // Marks `w` done (granted or not) and schedules its wake-up, if nobody completed it yet.
  static bool complete_locked(const std::shared_ptr<Waiter>& w, bool granted,
                              std::vector<std::shared_ptr<Waiter>>& woken);
  static void post_wake(std::vector<std::shared_ptr<Waiter>>& woken);
  // Takes a waiter out of the lists it is in (it timed out or was cancelled).
  void abandon_locked(const std::shared_ptr<Waiter>& w);

  // A request failed on `host` before its first byte in a way that says the host is down.
  void open_circuit(int host);
  // A request succeeded on `host`: its cooldown returns to the base one.
  void host_succeeded(int host);
  // The load of `model` on `host` ended: loaded (ok) or not; wakes the waiters.
  void finish_load(std::string_view model, int host, bool ok);
  // The JIT loader went away before the host answered: a probe decides whether it loaded.
  void orphan_load(std::string_view model, int host);
  // `host` answered "model not found" for `model`: forget it there and re-probe.
  void model_missing(int host, std::string_view model);
  // Signals the probe loop of `host` (-1: every host).
  void request_refresh(int host);
  void request_refresh_locked(int host, std::vector<std::shared_ptr<Waiter>>& woken);

  // A probe of `host` finished.
  void apply_probe(int host, const ProviderHealth& health,
                   const Result<std::vector<ModelInfo>>* models);
  // The circuit cooldown of `host` ended and a probe answered: it gets traffic again.
  void close_circuit_locked(int host);

  BackendSnapshot snapshot_locked(int host) const;
};

}  // namespace roci::fleet::detail
