// LiveConfig: the configuration the gateway serves new requests with, replaceable while it runs
// (SIGHUP, reload.h), and the per-thread state built from it.
//
//   LiveConfig live(config);                         // Gateway: one, shared by every I/O thread
//   WorkerStates states(live, resources);            // one per I/O thread
//   std::shared_ptr<WorkerState> s = states.current();  // at the start of every request
//   co_await handler(RequestContext{..., s->context});   // the request keeps `s` until it ends
//   live.publish(next_config);                       // any thread: generation + 1
//
// Generations. Every published configuration gets the next generation number. A worker checks
// the number at the start of each request (one atomic load); when it changed, the worker builds
// its state for the new configuration on its own thread with rebuild_worker_state (below) and
// serves the request with it. A request keeps the state it started with (a shared_ptr) until it
// ends: an in-flight stream keeps its config, providers and upstream connection across any
// number of reloads; the old state is freed when its last request ends. Listening sockets, the
// admission queue and the metrics never change (keys that need them are restart-only:
// ConfigKey::restart).
#pragma once

#include "config/gateway_config.h"
#include "server/http/auth.h"
#include "server/http/cors.h"
#include "server/http/request_context.h"

#include <roci/core/error.h>

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace roci::fleet {
class Fleet;
}  // namespace roci::fleet

namespace roci::server {

class AdmissionQueue;
class MetricsShard;
class ModelCatalog;
class ProviderSet;

// One configuration as every thread shares it; immutable once published.
struct SharedConfig {
  SharedConfig(config::GatewayConfig c, std::uint64_t gen, std::shared_ptr<fleet::Fleet> f)
      : generation(gen),
        config(std::move(c)),
        auth(config.auth),
        cors(config.cors),
        fleet(std::move(f)) {}
  std::uint64_t generation;
  config::GatewayConfig config;
  ApiKeyCheck auth;  // auth.*, keys hashed once per generation
  CorsPolicy cors;   // cors.*
  // inference.backends' Fleet, shared by every thread (single flight and per-backend queues are
  // fleet-wide); null without backends. Generations whose backends are the same share one
  // (same_fleet); a request keeps its generation's Fleet alive to its end.
  std::shared_ptr<fleet::Fleet> fleet;
};

// True when `a` and `b` build the same Fleet: the same inference.backends, inference.* and
// routing.* values (the Gateway then keeps the running Fleet, with its host state, across a
// reload).
bool same_fleet(const config::GatewayConfig& a, const config::GatewayConfig& b);

class LiveConfig {
 public:
  explicit LiveConfig(config::GatewayConfig initial, std::shared_ptr<fleet::Fleet> fleet = nullptr);
  // The configuration new requests get. Any thread (a mutex held for a pointer copy).
  std::shared_ptr<const SharedConfig> get() const;
  // Its generation, without the copy: what a worker compares at request start.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Makes `next` the configuration of new requests; returns its generation. Any thread.
  // `fleet`: next's Fleet (null without inference.backends).
  std::uint64_t publish(config::GatewayConfig next, std::shared_ptr<fleet::Fleet> fleet = nullptr);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const SharedConfig> current_;
  std::atomic<std::uint64_t> generation_{1};
};

// What one I/O thread serves requests with for one generation. `context` (what handlers see as
// ctx.worker) refers to the members and to the thread's resources.
struct WorkerState {
  std::shared_ptr<const SharedConfig> shared;
  std::shared_ptr<ProviderSet> providers;
  std::shared_ptr<ModelCatalog> catalog;
  WorkerContext context;
};

// The parts of a worker that outlive every generation.
struct WorkerResources {
  MetricsShard& metrics;
  AdmissionQueue& admission;
  std::function<void()> count_retry;   // MetricsShard::upstream_retry of the thread's shard
  admin::AdminState* admin = nullptr;  // the web console's shared state; may be null
  ResponseStore* responses = nullptr;  // the Responses API store (thread-safe); may be null
  // The thread's executor: its ModelCatalog refreshes expired lists there, in the background.
  // Null (tests): expired lists are fetched by the request that finds them.
  asio::any_io_executor executor = {};
};

// THE reload hook: the thread's state for `next`, given the state it served `previous` with
// (nullptr at start-up). Called on the worker's own thread. Whatever the change leaves valid is
// kept (the ProviderSet, with its upstream connection pools, and the ModelCatalog, when no
// inference.* key changed and the generation's Fleet is the same); the rest is built anew. The
// thread's FleetProvider over next->fleet is built here and nowhere else.
// Errors: those of ProviderSet::create (the caller keeps `previous`).
Result<std::shared_ptr<WorkerState>> rebuild_worker_state(const WorkerState* previous,
                                                          std::shared_ptr<const SharedConfig> next,
                                                          WorkerResources& resources);

// One per I/O thread; used only on that thread.
class WorkerStates {
 public:
  // Builds the state for live's current configuration. Throws std::runtime_error when it cannot
  // be built (start-up).
  WorkerStates(const LiveConfig& live, WorkerResources resources);

  // The state for the newest configuration; rebuilt first when a newer one was published. If the
  // rebuild fails (logged), the thread keeps serving with its previous state.
  const std::shared_ptr<WorkerState>& current() {
    if (live_.generation() != state_->shared->generation) refresh();
    return state_;
  }

 private:
  void refresh();

  const LiveConfig& live_;
  WorkerResources resources_;
  std::shared_ptr<WorkerState> state_;
  std::uint64_t failed_generation_ = 0;  // a rebuild that failed is not retried per request
};

}  // namespace roci::server
