// FleetProvider: a Provider that routes every request to one backend of a Fleet (fleet.h).
//
//   roci::fleet::FleetProvider provider(fleet);   // one per thread, like any Provider
//   auto r = co_await provider.generate({.messages = {...}, .model = "qwen3:8b"});
//   // r->backend == "desk"; errors a host returned carry error.backend too.
//
// Model selectors: "NAME:model" where NAME is a backend name pins that backend; "KIND:model"
// (lmstudio, llamacpp, openai, mock) restricts to backends of that kind; any other prefix is part
// of the id ("qwen3:8b"). "local-model", when no backend has a model of that id: the model loaded
// on the first backend, in config order, that has one loaded; never triggers a load;
// kModelNotFound saying so when none is.
//
// Routing (the nine rules of docs/ARCHITECTURE.md "The fleet"): a backend with the model loaded,
// the most free capacity first (ties at random); a model loaded nowhere is loaded once, on one
// host, while the other requests for it wait (single flight); a full backend queues (FIFO,
// bounded: kQueueFull with retry_after_secs past max_queue) and another host loads the model only
// once spill_queue_depth requests wait; refused, connect timeouts and 502/503 before the first
// byte go to the next candidate and open the host's circuit, within one budget of
// FleetOptions::max_retries resends per request (the last candidate spends what is left on
// itself, with backoff); a first-byte timeout is returned as it is (the host may be working on
// the request); nothing is replayed after a stream's first event. Cancellation: a cancelled request
// leaves its queue at once and releases its slot; a cancelled loader leaves the load to be
// confirmed by a probe, so its waiters are never stranded.
//
// A stream holds its backend slot until it is destroyed. load_model / unload_model take the same
// selectors ("desk:m1" loads on desk) and follow the same single-flight rule.
#pragma once

#include <roci/fleet/fleet.h>
#include <roci/provider/provider.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roci::fleet {

class ROCI_EXPORT FleetProvider final : public Provider {
 public:
  explicit FleetProvider(std::shared_ptr<Fleet> fleet, std::string name = "fleet");
  ~FleetProvider() override;

  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "fleet"; }
  const std::string& model_id() const override;
  const Fleet& fleet() const { return *fleet_; }

  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) override;
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) override;
  // The fleet's union from the last probes (Fleet::models()); never an upstream call.
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override;
  // reachable while at least one backend is usable; loaded_models: the union's loaded ids.
  asio::awaitable<Result<ProviderHealth>> health() override;
  // The capabilities the first backend that has `model` reports.
  Capabilities capabilities(std::string_view model) const override;
  asio::awaitable<Result<EmbeddingResult>> embed(EmbeddingRequest request) override;
  asio::awaitable<Result<CompletionResult>> complete(CompletionRequest request) override;
  asio::awaitable<Result<ModelLoadResult>> load_model(std::string model) override;
  asio::awaitable<Result<ModelLoadResult>> unload_model(std::string model) override;
  // Asked of the first usable backend that has the model (loaded first), outside the backend's
  // slots (no completion, no load); kUnsupported when that backend cannot count.
  asio::awaitable<Result<int>> count_tokens(ProviderRequest request) override;

  // This thread's provider for backend `index` (built on first use through the registry) that
  // resends a failed request `retries` times itself (HttpOptions::max_retries; the fleet's
  // retry budget, Router::attempt_retries). Without retries: the one every other call uses.
  Provider& backend_provider(std::size_t index, int retries = 0);

 private:
  std::shared_ptr<Fleet> fleet_;
  std::string name_;
  std::vector<std::unique_ptr<Provider>> providers_;  // by backend index, built lazily
  // By backend index: the last candidate's provider, with the budget it was built for.
  std::vector<std::pair<int, std::unique_ptr<Provider>>> retrying_;
};

}  // namespace roci::fleet
