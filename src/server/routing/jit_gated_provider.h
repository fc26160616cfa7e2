// JitGatedProvider: the one upstream (no inference.backends) as seen by a request whose model the
// catalog lists as not loaded: every generation goes through the process-wide JitGate
// (jit_gate.h), so concurrent first requests load the model once (FLEET.md rule 3 with one host).
//
//   ProviderSet keeps one per thread next to the primary; the resolver hands it out instead of
//   the primary only for a model that is not loaded (resolve_model), so a loaded model's
//   requests never pass through here.
//
// generate, complete, embed and load_model hold the gate until their answer; stream until its first
// event (Provider::stream completes then). Every other member is the primary's. Results, streams
// and errors name the backend "default" (X-Roci-Backend), as the primary's do. A kConfirm ticket
// asks the primary's list_models() every `confirm_interval` until the model is loaded (pass), or
// neither loaded nor loading (this request loads it), within the gate's queue_timeout.
//
// Threading: like every Provider, one per thread; the gate is shared.
#pragma once

#include "server/routing/jit_gate.h"

#include <roci/provider/provider.h>

#include <chrono>
#include <memory>
#include <string>

namespace roci::server {

class JitGatedProvider final : public Provider {
 public:
  JitGatedProvider(Provider& primary, std::shared_ptr<JitGate> gate, std::string backend,
                   std::chrono::milliseconds confirm_interval = std::chrono::milliseconds(250));

  std::string_view name() const override { return primary_.name(); }
  std::string_view kind() const override { return primary_.kind(); }
  const std::string& model_id() const override { return primary_.model_id(); }
  std::string base_url() const override { return primary_.base_url(); }
  const HttpOptions* http_options() const override { return primary_.http_options(); }
  Capabilities capabilities(std::string_view model) const override {
    return primary_.capabilities(model);
  }

  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) override;
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) override;
  asio::awaitable<Result<EmbeddingResult>> embed(EmbeddingRequest request) override;
  asio::awaitable<Result<CompletionResult>> complete(CompletionRequest request) override;
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override;
  asio::awaitable<Result<ProviderHealth>> health() override;
  asio::awaitable<Result<ModelLoadResult>> load_model(std::string model) override;
  asio::awaitable<Result<ModelLoadResult>> unload_model(std::string model) override;
  asio::awaitable<Result<int>> count_tokens(ProviderRequest request) override;

  JitGate& gate() { return *gate_; }

 private:
  // Enters the gate for `model`; a kConfirm ticket is settled (passed or turned into kLoad)
  // before it returns. Errors carry the backend name.
  asio::awaitable<Result<JitGate::Ticket>> admit(const std::string& model);
  // admit(model), then the primary's answer from `call` (the awaitable of one primary call,
  // made once admitted), the ticket settled by it, named as this backend.
  template <class T, class Call>
  asio::awaitable<Result<T>> gated(const std::string& model, Call call);
  // kConfirm: true once the primary lists `model` loaded; false when it is neither loaded nor
  // loading, or the wait is over.
  asio::awaitable<bool> loaded_meanwhile(const std::string& model);
  Error named(Error e) const;

  Provider& primary_;
  std::shared_ptr<JitGate> gate_;
  std::string backend_;
  std::chrono::milliseconds confirm_interval_;
};

}  // namespace roci::server
