#include "fleet/fleet_router.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace roci::fleet::detail {
namespace {

constexpr std::string_view kLocalModel = "local-model";

bool known_kind(std::string_view kind) {
  return kind == "lmstudio" || kind == "llamacpp" || kind == "openai" || kind == "mock";
}

// A host failed in a way that says it is down (rule 5): refused or unreachable, a connect
// timeout, 502 or 503.
bool host_down(const Error& e) {
  if (e.kind == ErrorKind::kUpstreamUnreachable) return true;
  if (e.kind == ErrorKind::kTimeout && e.code == "connect_timeout") return true;
  return e.kind == ErrorKind::kUpstreamError && e.upstream_status &&
         (*e.upstream_status == 502 || *e.upstream_status == 503);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

Result<Target> resolve_target(const FleetState& state, std::string_view requested) {
  Target target;
  target.allowed.assign(state.specs.size(), true);
  std::string model(requested.empty() ? std::string_view(state.options.default_model) : requested);
  if (model.empty()) {
    return Error::invalid_request("The request names no model and the fleet has no default model",
                                  "model");
  }
  if (const auto colon = model.find(':'); colon != std::string::npos) {
    const std::string prefix = model.substr(0, colon);
    if (const int pinned = state.index_of(prefix); pinned >= 0) {
      target.allowed.assign(state.specs.size(), false);
      target.allowed[pinned] = true;
      target.pinned = pinned;
      model = model.substr(colon + 1);
    } else if (known_kind(prefix)) {
      bool any = false;
      for (std::size_t i = 0; i < state.specs.size(); ++i) {
        target.allowed[i] = state.specs[i].provider.kind == prefix;
        any = any || target.allowed[i];
      }
      if (any) {
        model = model.substr(colon + 1);
      } else {
        target.allowed.assign(state.specs.size(), true);  // part of the id after all
      }
    }
  }
  if (model == kLocalModel) {
    std::lock_guard lock(state.mutex);
    // A real model of that id (the mock lists one) is that model, not the alias.
    for (std::size_t i = 0; i < state.hosts.size(); ++i) {
      if (target.allowed[i] && state.hosts[i].models.count(model) > 0) {
        target.model = std::move(model);
        return target;
      }
    }
    for (std::size_t i = 0; i < state.hosts.size(); ++i) {
      if (!target.allowed[i] || !state.hosts[i].usable()) continue;
      for (const auto& [id, entry] : state.hosts[i].models) {
        if (entry.presence == Presence::kLoaded) {
          target.model = id;
          return target;
        }
      }
    }
    return Error::model_not_found(
        "local-model means the model loaded on the first backend that has one loaded, and no "
        "backend has a model loaded: load one, or name the model");
  }
  target.model = std::move(model);
  return target;
}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
    host_ = std::exchange(other.host_, -1);
    model_ = std::move(other.model_);
  }
  return *this;
}

void Lease::reset() {
  if (state_) {
    state_->release(host_, model_);
    state_.reset();
  }
}

struct Router::Step {
  enum Kind { kPlaced, kLoad, kWait } kind = kWait;
  int host = -1;
  bool loader = false;
  std::shared_ptr<Waiter> waiter;
};

Router::Router(std::shared_ptr<FleetState> state, Target target)
    : state_(std::move(state)),
      target_(std::move(target)),
      tried_(state_->specs.size(), false),
      retries_left_(std::max(0, state_->options.max_retries)) {}

int Router::attempt_retries(const Placement& placed) {
  bool other = false;
  {
    std::lock_guard lock(state_->mutex);
    for (std::size_t i = 0; i < state_->hosts.size() && !other; ++i) {
      const HostState& h = state_->hosts[i];
      other = static_cast<int>(i) != placed.host && target_.allowed[i] && !tried_[i] &&
              h.usable() && h.models.count(target_.model) > 0;
    }
  }
  if (other) return 0;
  return std::exchange(retries_left_, 0);  // spent by this attempt, however many it needs
}

std::vector<bool> Router::allowed_now() const {
  std::vector<bool> allowed = target_.allowed;
  for (std::size_t i = 0; i < allowed.size(); ++i) allowed[i] = allowed[i] && !tried_[i];
  return allowed;
}

Error Router::queue_full_locked(int host) const {
  const HostState& h = state_->hosts[host];
  const int cap = std::max(1, h.spec.max_queue);
  Error e{.kind = ErrorKind::kQueueFull,
          .message = "Backend " + h.spec.name + " is busy: " + std::to_string(h.in_flight) +
                     " requests are in flight to it and " + std::to_string(h.queued()) +
                     " are waiting (max_concurrent " + std::to_string(h.spec.max_concurrent) +
                     ", max_queue " + std::to_string(h.spec.max_queue) + "). Retry later."};
  e.code = "queue_full";
  e.retry_after_secs = 1 + std::min(4, h.queued() * 4 / cap);
  return e;
}

Error Router::no_host_locked() const {
  if (last_error_) return *last_error_;
  std::vector<std::string> down, available;
  for (std::size_t i = 0; i < state_->hosts.size(); ++i) {
    const HostState& h = state_->hosts[i];
    if (!target_.allowed[i]) continue;
    if (h.models.count(target_.model) > 0) down.push_back(h.spec.name);
    for (const auto& [id, entry] : h.models) {
      if (std::find(available.begin(), available.end(), id) == available.end()) {
        available.push_back(id);
      }
    }
  }
  if (!down.empty()) {
    return Error::unreachable("No backend that has model " + target_.model + " is usable now (" +
                              join(down) + ": down or cooling down after a failure). Retry later.");
  }
  std::string where = target_.pinned >= 0 ? "backend " + state_->specs[target_.pinned].name
                                          : std::string("any backend");
  return Error::model_not_found("Model " + target_.model + " is not available on " + where,
                                std::move(available));
}

Result<Router::Step> Router::step_locked(asio::any_io_executor executor) {
  FleetState& st = *state_;
  const std::vector<bool> allowed = allowed_now();
  const auto views = st.views_locked(target_.model, allowed);
  const RouteDecision d =
      decide(views, RouteQuery{.load_in_flight = st.loads.count(target_.model) > 0,
                               .spill_queue_depth = st.options.spill_queue_depth,
                               .tie = st.rng()});
  Step step;
  step.host = d.host;
  switch (d.action) {
    case RouteAction::kRun:
      st.take_slot_locked(d.host, target_.model);
      step.kind = Step::kPlaced;
      return step;
    case RouteAction::kJitLoad:
      st.loads[target_.model] = LoadEntry{.host = d.host, .jit = true, .started = Clock::now()};
      ++st.hosts[d.host].counters.loads_started;
      st.take_slot_locked(d.host, target_.model);
      step.kind = Step::kPlaced;
      step.loader = true;
      return step;
    case RouteAction::kLoad:
      st.loads[target_.model] = LoadEntry{.host = d.host, .jit = false, .started = Clock::now()};
      ++st.hosts[d.host].counters.loads_started;
      step.kind = Step::kLoad;
      return step;
    case RouteAction::kQueue:
      step.waiter = std::make_shared<Waiter>(executor);
      step.waiter->host = d.host;
      step.waiter->slot = true;
      st.hosts[d.host].queue.push_back(step.waiter);
      return step;
    case RouteAction::kWaitForLoad:
    case RouteAction::kWaitForIdle:
      step.waiter = park_locked(st, executor, d.host);
      return step;
    case RouteAction::kQueueFull:
      return queue_full_locked(d.host);
    case RouteAction::kNoHost:
      break;
  }
  // Nobody usable has it. Before the first probes, or while a host that has it is only cooling
  // down, that may change: wait for a change, within queue_timeout.
  bool pending = false;
  for (std::size_t i = 0; i < st.hosts.size(); ++i) {
    if (allowed[i] && !st.hosts[i].probed) pending = true;
  }
  if (!pending) return no_host_locked();
  step.waiter = park_locked(st, executor, -1);
  return step;
}

std::shared_ptr<Waiter> Router::park_locked(FleetState& st, asio::any_io_executor executor,
                                            int host) {
  auto waiter = std::make_shared<Waiter>(std::move(executor));
  waiter->host = host;
  if (host >= 0) ++st.hosts[host].change_waiters;
  st.change_waiters.push_back(waiter);
  return waiter;
}

asio::awaitable<Result<bool>> Router::wait(std::shared_ptr<Waiter> w) {
  const auto timeout = state_->options.queue_timeout;
  if (timeout.count() > 0) {
    w->timer.expires_after(timeout);
  } else {
    w->timer.expires_at(Clock::time_point::max());
  }
  auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  bool woken = false, granted = false;
  {
    std::lock_guard lock(state_->mutex);
    if (w->done) {
      woken = true;
      granted = w->granted;
      if (granted) state_->adopt_slot_locked(w->host, target_.model);
    } else {
      state_->abandon_locked(w);
    }
  }
  auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
  if (cancelled != asio::cancellation_type::none || (!woken && ec)) {
    if (granted) state_->release(w->host, target_.model);
    co_return Error::cancelled("the client went away while waiting for a fleet backend");
  }
  if (!woken) {
    std::lock_guard lock(state_->mutex);
    Error e = w->host >= 0 ? queue_full_locked(w->host)
                           : Error{.kind = ErrorKind::kQueueFull, .message = ""};
    e.code = "queue_timeout";
    e.message = "The request waited " + std::to_string(timeout.count()) +
                " ms for a backend with model " + target_.model +
                " without getting one. Retry "
                "later.";
    co_return e;
  }
  co_return granted;
}

asio::awaitable<Result<Placement>> Router::next(const LoadFn& load) {
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    Result<Step> step = Error::internal("unset");
    {
      std::lock_guard lock(state_->mutex);
      step = step_locked(executor);
    }
    if (!step) co_return step.error();
    if (step->kind == Step::kPlaced) {
      co_return Placement{step->host, Lease(state_, step->host, target_.model), step->loader};
    }
    if (step->kind == Step::kWait) {
      auto granted = co_await wait(step->waiter);
      if (!granted) co_return granted.error();
      if (*granted) {
        co_return Placement{step->waiter->host, Lease(state_, step->waiter->host, target_.model),
                            false};
      }
      continue;  // something changed: decide again
    }
    // kLoad: this request loads the model through the host's API, then decides again.
    const int host = step->host;
    auto loaded = co_await load(host);
    if (loaded) {
      state_->finish_load(target_.model, host, true);
      continue;
    }
    Error e = loaded.error();
    e.backend = state_->specs[host].name;
    if (e.kind == ErrorKind::kUnsupported) {
      {
        std::lock_guard lock(state_->mutex);
        auto& models = state_->hosts[host].models;
        if (auto it = models.find(target_.model); it != models.end()) it->second.loadable = false;
      }
      state_->finish_load(target_.model, host, false);
      continue;  // JIT from now on
    }
    if (e.kind == ErrorKind::kCancelled) {
      state_->orphan_load(target_.model, host);
      co_return e;
    }
    state_->finish_load(target_.model, host, false);
    if (host_down(e)) {
      state_->open_circuit(host);
      tried_[host] = true;
      last_error_ = e;
      continue;
    }
    co_return e;
  }
}

bool Router::retry(Placement& placed, const Error& error) {
  const int host = placed.host;
  if (placed.loader) {
    if (error.kind == ErrorKind::kCancelled) {
      state_->orphan_load(target_.model, host);
    } else {
      state_->finish_load(target_.model, host, false);
    }
  }
  placed.lease.reset();
  if (error.kind == ErrorKind::kCancelled) return false;
  if (host_down(error)) {
    state_->open_circuit(host);
  } else if (error.kind == ErrorKind::kModelNotFound && target_.pinned < 0) {
    state_->model_missing(host, target_.model);
  } else {
    return false;
  }
  // A retry is a resend of the request: the budget is the request's, across the fleet.
  if (retries_left_ == 0) return false;
  tried_[host] = true;
  last_error_ = error;
  --retries_left_;
  return true;
}

void Router::succeeded(Placement& placed) {
  if (placed.loader) state_->finish_load(target_.model, placed.host, true);
  state_->host_succeeded(placed.host);
}

}  // namespace roci::fleet::detail
