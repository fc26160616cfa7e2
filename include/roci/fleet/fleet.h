// Fleet: several model hosts (LM Studio, llama.cpp, OpenAI) behind one Provider, routed by what
// each host has loaded.
//
//   roci::ProviderRegistry registry;
//   std::vector<roci::fleet::BackendSpec> backends{
//       {.name = "desk", .provider = {.kind = "lmstudio", .base_url = "http://desk:1234"}},
//       {.name = "laptop", .provider = {.kind = "lmstudio", .base_url = "http://laptop:1234"},
//        .max_concurrent = 2}};
//   auto fleet = roci::fleet::Fleet::create(backends, {}, registry);   // Result<shared_ptr<Fleet>>
//   (*fleet)->start(io.get_executor());          // host-state polling on that executor
//   roci::fleet::FleetProvider provider(*fleet); // a Provider; one per thread
//   auto result = co_await provider.generate(request);   // result->backend: who served it
//
// The Fleet is the shared, thread-safe state: per backend its reachability, probe latency, models
// (loaded / loading / on disk), circuit breaker, requests in flight and its bounded FIFO queue, and
// the fleet's single-flight load table. FleetProvider (fleet_provider.h) is the per-thread Provider
// that routes each request through it (docs/ARCHITECTURE.md "The fleet" lists the nine rules).
// Backend providers are built only through ProviderRegistry::create(ProviderSpec).
//
// Host state: polled every probe_interval on the executor given to start() (each probe bounded by
// probe_timeout), and at once after a load, an unload, an upstream "model not found" and when a
// circuit's cooldown ends; a request thread never waits for a probe.
//
// Threading: every member is thread-safe. The state's mutex is held for a few instructions, never
// across co_await. The Fleet must outlive the FleetProviders that use it (they hold a shared_ptr).
#pragma once

#include <roci/asio_settings.h>
#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/export.h>
#include <roci/provider/provider_spec.h>
#include <roci/provider/registry.h>

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace roci::fleet {

namespace asio = boost::asio;

// One host. provider.name is set to `name` by Fleet::create.
struct BackendSpec {
  std::string name;  // unique, [a-z0-9_-]; shown in logs, /health, metrics, X-Roci-Backend
  ProviderSpec provider;
  int max_concurrent = 4;  // requests in flight to this host; <= 0: unlimited
  int max_queue = 64;      // requests waiting for this host beyond those; >= 0
};

struct FleetOptions {
  std::chrono::milliseconds probe_interval{std::chrono::seconds(2)};
  std::chrono::milliseconds probe_timeout{std::chrono::seconds(2)};  // per probe request
  std::chrono::milliseconds cooldown{std::chrono::seconds(5)};       // first circuit opening
  std::chrono::milliseconds max_cooldown{std::chrono::seconds(60)};  // doubling stops here
  // Requests already waiting for a host that has the model loaded before another host loads it.
  int spill_queue_depth = 16;
  // How long a request may wait in a backend's queue, or for a load (0: forever).
  std::chrono::milliseconds queue_timeout{std::chrono::seconds(60)};
  // A load whose loader went away is forgotten after this if the host never reports it loaded.
  std::chrono::milliseconds load_timeout{std::chrono::seconds(300)};
  // Resends of one request after a transient failure (refused, connect timeout, 502/503), across
  // the fleet: the next candidate host first, the last candidate with what is left of the budget
  // (its provider's backoff). A backend's own HttpOptions::max_retries is not used for requests.
  int max_retries = 2;
  std::string default_model;  // a request with no model; "" -> such a request is refused
  std::uint64_t seed = 0;     // tie-breaking randomness; 0: from the clock
};

enum class CircuitState { kClosed, kOpen, kHalfOpen };
ROCI_EXPORT std::string_view to_string(CircuitState state);  // "closed" | "open" | "half-open"

// Monotonic counters of one backend (metrics read them).
struct BackendCounters {
  std::uint64_t requests = 0;       // requests sent to it (each failover attempt counts)
  std::uint64_t loads_started = 0;  // loads roci caused (explicit or JIT)
  std::uint64_t loads_finished = 0;
  std::chrono::milliseconds load_time_total{0};  // summed duration of finished loads
  std::uint64_t failovers = 0;  // requests that left it for another host before the first byte
  std::uint64_t circuit_opens = 0;
};

struct BackendSnapshot {
  std::string name, kind, base_url;
  bool probed = false;  // at least one probe finished
  bool reachable = false;
  bool usable = false;  // reachable and its circuit closed: it gets traffic
  std::chrono::microseconds latency{0};
  std::string detail;                      // the last probe's words, or why it is down
  std::vector<std::string> loaded_models;  // folded ids
  std::vector<std::string> loading_models;
  std::vector<std::string> models;  // every model it has (folded ids)
  int in_flight = 0, queued = 0, max_concurrent = 0, max_queue = 0;
  CircuitState circuit = CircuitState::kClosed;
  std::chrono::milliseconds cooldown{0};  // of the current or next opening
  BackendCounters counters;
};

struct FleetSnapshot {
  std::vector<BackendSnapshot> backends;  // config order
  bool usable() const;                    // at least one backend is usable
};

namespace detail {
struct FleetState;
}

class ROCI_EXPORT Fleet {
 public:
  // Checks the list (at least one backend, names unique and [a-z0-9_-], no base URL twice,
  // max_queue >= 0, spill_queue_depth below every max_queue) and builds each backend's provider
  // once through registry.create() so a spec it refuses fails here. kInvalidRequest names the
  // backend and the field; every problem is listed in one message.
  static Result<std::shared_ptr<Fleet>> create(std::vector<BackendSpec> backends,
                                               FleetOptions options,
                                               const ProviderRegistry& registry);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Starts polling every backend on `executor` (one probe loop per backend). Once only.
  void start(asio::any_io_executor executor);
  // Stops polling: the loops end at their next wake-up. Requests keep working on the last state.
  void stop();
  // Probes `backend` (every backend when empty) now instead of at its next tick.
  void refresh(std::string_view backend = {});

  FleetSnapshot snapshot() const;
  // The union of the backends' models, each id once (LM Studio's "m:2" instances folded into
  // "m"): ModelInfo::backends lists who has it (config order), state "loaded" when loaded on any.
  std::vector<ModelInfo> models() const;
  const std::vector<BackendSpec>& backends() const;
  const FleetOptions& options() const;
  const ProviderRegistry& registry() const;
  // True once every backend was probed at least once.
  bool probed() const;

  detail::FleetState& state() const { return *state_; }  // for FleetProvider

 private:
  explicit Fleet(std::shared_ptr<detail::FleetState> state);
  std::shared_ptr<detail::FleetState> state_;
};

}  // namespace roci::fleet
