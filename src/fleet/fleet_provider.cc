#include <roci/fleet/fleet_provider.h>

#include "fleet/fleet_router.h"
#include "fleet/fleet_state.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace roci::fleet {

using detail::FleetState;
using detail::Lease;
using detail::Placement;
using detail::Router;

namespace {

// A stream that holds its backend slot until destroyed and names its backend.
class FleetChatStream final : public ChatStream {
 public:
  FleetChatStream(Lease lease, std::unique_ptr<ChatStream> inner, std::string backend)
      : lease_(std::move(lease)), inner_(std::move(inner)), info_(inner_->info()) {
    info_.backend = std::move(backend);
  }
  const StreamInfo& info() const override { return info_; }
  asio::awaitable<Result<std::optional<StreamPart>>> next() override {
    auto part = co_await inner_->next();
    if (!part) {
      Error e = part.error();
      e.backend = info_.backend;
      co_return e;
    }
    co_return part;
  }
  bool ready() override { return inner_->ready(); }
  std::optional<StreamPart> next_ready() override { return inner_->next_ready(); }

 private:
  Lease lease_;  // declared first: released after the upstream stream is closed
  std::unique_ptr<ChatStream> inner_;
  StreamInfo info_;
};

// Runs `call(provider, model)` on the backend the router picks, failing over as it says.
// Returns the value with its placement (the slot is still held).
template <class T, class Call>
asio::awaitable<Result<std::pair<T, Placement>>> routed(FleetProvider& self, FleetState& st,
                                                        std::shared_ptr<FleetState> shared,
                                                        std::string_view requested, Call call) {
  auto target = detail::resolve_target(st, requested);
  if (!target) co_return target.error();
  Router router(std::move(shared), std::move(*target));
  const std::string model = router.target().model;
  const Router::LoadFn load = [&](int host) {
    return self.backend_provider(static_cast<std::size_t>(host)).load_model(model);
  };
  for (;;) {
    auto placed = co_await router.next(load);
    if (!placed) co_return placed.error();
    const std::string& backend = st.specs[placed->host].name;
    const int retries = router.attempt_retries(*placed);
    Result<T> result = co_await call(self.backend_provider(placed->host, retries), model);
    if (result) {
      router.succeeded(*placed);
      co_return std::pair<T, Placement>(std::move(*result), std::move(*placed));
    }
    Error e = result.error();
    e.backend = backend;
    if (!router.retry(*placed, e)) co_return e;
  }
}

}  // namespace

FleetProvider::FleetProvider(std::shared_ptr<Fleet> fleet, std::string name)
    : fleet_(std::move(fleet)), name_(std::move(name)) {
  providers_.resize(fleet_->backends().size());
  retrying_.resize(fleet_->backends().size());
}

FleetProvider::~FleetProvider() = default;

const std::string& FleetProvider::model_id() const { return fleet_->options().default_model; }

namespace {

// Fleet::create built this spec once already (max_retries aside): it cannot be refused now.
std::unique_ptr<Provider> build_backend(const Fleet& fleet, std::size_t index, int max_retries) {
  ProviderSpec spec = fleet.backends()[index].provider;
  spec.http.max_retries = max_retries;
  return std::move(fleet.registry().create(spec).value());
}

}  // namespace

Provider& FleetProvider::backend_provider(std::size_t index, int retries) {
  if (retries <= 0) {
    if (!providers_[index]) providers_[index] = build_backend(*fleet_, index, 0);
    return *providers_[index];
  }
  auto& slot = retrying_[index];
  if (!slot.second || slot.first != retries)
    slot = {retries, build_backend(*fleet_, index, retries)};
  return *slot.second;
}

asio::awaitable<Result<GenerationResult>> FleetProvider::generate(ProviderRequest request) {
  auto shared = std::shared_ptr<FleetState>(fleet_, &fleet_->state());
  auto r = co_await routed<GenerationResult>(*this, fleet_->state(), shared, request.model,
                                             [&](Provider& p, const std::string& model) {
                                               ProviderRequest copy = request;
                                               copy.model = model;
                                               return p.generate(std::move(copy));
                                             });
  if (!r) co_return r.error();
  r->first.backend = fleet_->backends()[r->second.host].name;
  co_return std::move(r->first);
}

asio::awaitable<Result<std::unique_ptr<ChatStream>>> FleetProvider::stream(
    ProviderRequest request) {
  auto shared = std::shared_ptr<FleetState>(fleet_, &fleet_->state());
  auto r = co_await routed<std::unique_ptr<ChatStream>>(
      *this, fleet_->state(), shared, request.model, [&](Provider& p, const std::string& model) {
        ProviderRequest copy = request;
        copy.model = model;
        return p.stream(std::move(copy));
      });
  if (!r) co_return r.error();
  const std::string backend = fleet_->backends()[r->second.host].name;
  co_return std::unique_ptr<ChatStream>(
      std::make_unique<FleetChatStream>(std::move(r->second.lease), std::move(r->first), backend));
}

asio::awaitable<Result<EmbeddingResult>> FleetProvider::embed(EmbeddingRequest request) {
  auto shared = std::shared_ptr<FleetState>(fleet_, &fleet_->state());
  auto r = co_await routed<EmbeddingResult>(*this, fleet_->state(), shared, request.model,
                                            [&](Provider& p, const std::string& model) {
                                              EmbeddingRequest copy = request;
                                              copy.model = model;
                                              return p.embed(std::move(copy));
                                            });
  if (!r) co_return r.error();
  r->first.backend = fleet_->backends()[r->second.host].name;
  co_return std::move(r->first);
}

asio::awaitable<Result<CompletionResult>> FleetProvider::complete(CompletionRequest request) {
  auto shared = std::shared_ptr<FleetState>(fleet_, &fleet_->state());
  auto r = co_await routed<CompletionResult>(*this, fleet_->state(), shared, request.model,
                                             [&](Provider& p, const std::string& model) {
                                               CompletionRequest copy = request;
                                               copy.model = model;
                                               return p.complete(std::move(copy));
                                             });
  if (!r) co_return r.error();
  r->first.backend = fleet_->backends()[r->second.host].name;
  co_return std::move(r->first);
}

asio::awaitable<Result<int>> FleetProvider::count_tokens(ProviderRequest request) {
  const FleetState& st = fleet_->state();
  auto target = detail::resolve_target(st, request.model);
  if (!target) co_return target.error();
  int chosen = -1;
  {
    std::lock_guard lock(st.mutex);
    for (int pass = 0; pass < 2 && chosen < 0; ++pass) {
      for (std::size_t i = 0; i < st.hosts.size(); ++i) {
        const auto& h = st.hosts[i];
        if (!target->allowed[i] || !h.usable()) continue;
        auto it = h.models.find(target->model);
        if (it == h.models.end()) continue;
        if (pass == 0 && it->second.presence != Presence::kLoaded) continue;
        chosen = static_cast<int>(i);
        break;
      }
    }
  }
  if (chosen < 0) co_return Error::unsupported("no usable backend has " + target->model);
  request.model = target->model;
  auto counted =
      co_await backend_provider(static_cast<std::size_t>(chosen)).count_tokens(std::move(request));
  if (!counted) {
    Error e = counted.error();
    e.backend = fleet_->backends()[static_cast<std::size_t>(chosen)].name;
    co_return e;
  }
  co_return counted;
}

asio::awaitable<Result<std::vector<ModelInfo>>> FleetProvider::list_models() {
  co_return fleet_->models();
}

asio::awaitable<Result<ProviderHealth>> FleetProvider::health() {
  const FleetSnapshot snapshot = fleet_->snapshot();
  ProviderHealth health;
  int usable = 0;
  for (const auto& b : snapshot.backends) {
    if (!b.usable) continue;
    if (usable++ == 0 || b.latency < health.latency) health.latency = b.latency;
    for (const auto& m : b.loaded_models) {
      if (std::find(health.loaded_models.begin(), health.loaded_models.end(), m) ==
          health.loaded_models.end()) {
        health.loaded_models.push_back(m);
      }
    }
  }
  health.reachable = usable > 0;
  health.detail = std::to_string(usable) + " of " + std::to_string(snapshot.backends.size()) +
                  " backends usable";
  co_return health;
}

Capabilities FleetProvider::capabilities(std::string_view model) const {
  const FleetState& st = fleet_->state();
  auto target = detail::resolve_target(st, model);
  std::size_t chosen = 0;
  if (target) {
    std::lock_guard lock(st.mutex);
    for (std::size_t i = 0; i < st.hosts.size(); ++i) {
      if (target->allowed[i] && st.hosts[i].models.count(target->model) > 0) {
        chosen = i;
        break;
      }
    }
  }
  auto& self = const_cast<FleetProvider&>(*this);
  return self.backend_provider(chosen).capabilities(target ? target->model : std::string(model));
}

}  // namespace roci::fleet
