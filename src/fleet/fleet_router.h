// The live router of one request (internal): resolves the selector, then asks the pure decision
// (route_decision.h) under the fleet's mutex for a backend, waits, loads and fails over as it says.
//
//   Router router(state, target);
//   for (;;) {
//     auto placed = co_await router.next(load);     // a backend with a slot for this request
//     if (!placed) co_return placed.error();
//     auto r = co_await provider(placed->host).generate(request);
//     if (r) { router.succeeded(*placed); ... }
//     else if (!router.retry(*placed, r.error())) co_return r.error();
//   }
#pragma once

#include "fleet/fleet_state.h"

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roci::fleet::detail {

// The request's model and the backends it may use.
struct Target {
  std::string model;
  std::vector<bool> allowed;  // by backend index
  int pinned = -1;            // "NAME:model"
};

// Selectors ("NAME:model", "KIND:model"), "local-model" and the default model. Errors:
// kInvalidRequest (no model and no default), kModelNotFound (local-model with nothing loaded).
Result<Target> resolve_target(const FleetState& state, std::string_view requested);

// One slot on one backend; released (and handed to the next waiter) when destroyed.
class Lease {
 public:
  Lease() = default;
  Lease(std::shared_ptr<FleetState> state, int host, std::string model)
      : state_(std::move(state)), host_(host), model_(std::move(model)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&& other) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { reset(); }
  void reset();

 private:
  std::shared_ptr<FleetState> state_;
  int host_ = -1;
  std::string model_;
};

struct Placement {
  int host = -1;
  Lease lease;
  bool loader = false;  // this request JIT-loads the model on `host`
};

class Router {
 public:
  // Loads `model` on `host` through the host's API (FleetProvider supplies its provider).
  using LoadFn = std::function<asio::awaitable<Result<ModelLoadResult>>(int host)>;

  Router(std::shared_ptr<FleetState> state, Target target);

  // A backend with a slot held for this request: at once, after waiting in a queue, or after a
  // load. Errors: kQueueFull (full, or queue_timeout), kCancelled, kModelNotFound, the last
  // attempt's error when no candidate is left.
  asio::awaitable<Result<Placement>> next(const LoadFn& load);
  // The attempt on `placed` failed with `error` (error.backend set). True: try the next
  // candidate (the host was down, or did not have the model); false: return the error.
  bool retry(Placement& placed, const Error& error);
  void succeeded(Placement& placed);
  // The resends the attempt on `placed` may make on its own host (its provider's max_retries):
  // none while another candidate is left (a retry goes there first), else what is left of the
  // request's budget (FleetOptions::max_retries), which the attempt then spends.
  int attempt_retries(const Placement& placed);

  const Target& target() const { return target_; }

  // Parks a change waiter (counted against `host` when >= 0); the caller holds the mutex.
  static std::shared_ptr<Waiter> park_locked(FleetState& state, asio::any_io_executor executor,
                                             int host);
  // Waits until `waiter` is woken, within queue_timeout. true: a slot was granted (slot waiters).
  // Errors: kCancelled, kQueueFull "queue_timeout".
  asio::awaitable<Result<bool>> wait(std::shared_ptr<Waiter> waiter);

 private:
  struct Step;
  Result<Step> step_locked(asio::any_io_executor executor);
  Error no_host_locked() const;
  Error queue_full_locked(int host) const;
  std::vector<bool> allowed_now() const;

  std::shared_ptr<FleetState> state_;
  Target target_;
  std::vector<bool> tried_;  // hosts that failed this request
  int retries_left_ = 0;     // resends this request may still make, on any host
  std::optional<Error> last_error_;
};

}  // namespace roci::fleet::detail
