#include "server/routing/jit_gated_provider.h"

#include <roci/provider/chat_stream.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace roci::server {
namespace {

// The primary's stream, named as the backend that served it.
class NamedStream final : public ChatStream {
 public:
  NamedStream(std::unique_ptr<ChatStream> inner, const std::string& backend)
      : inner_(std::move(inner)), info_(inner_->info()) {
    info_.backend = backend;
  }
  const StreamInfo& info() const override { return info_; }
  asio::awaitable<Result<std::optional<StreamPart>>> next() override { return inner_->next(); }
  bool ready() override { return inner_->ready(); }
  std::optional<StreamPart> next_ready() override { return inner_->next_ready(); }

 private:
  std::unique_ptr<ChatStream> inner_;
  StreamInfo info_;
};

// Settles the ticket with the upstream's answer: an answer loads, a host error passes the load
// on; a cancelled call leaves the ticket to its destructor (the host may still be loading).
template <class T>
void settle(JitGate::Ticket& ticket, const Result<T>& result) {
  if (result) {
    ticket.loaded();
  } else if (result.error().kind != ErrorKind::kCancelled) {
    ticket.failed();
  }
}

}  // namespace

JitGatedProvider::JitGatedProvider(Provider& primary, std::shared_ptr<JitGate> gate,
                                   std::string backend, std::chrono::milliseconds confirm_interval)
    : primary_(primary),
      gate_(std::move(gate)),
      backend_(std::move(backend)),
      confirm_interval_(confirm_interval) {}

Error JitGatedProvider::named(Error e) const {
  if (e.backend.empty()) e.backend = backend_;
  return e;
}

asio::awaitable<bool> JitGatedProvider::loaded_meanwhile(const std::string& model) {
  const auto timeout = gate_->options().queue_timeout;
  const auto deadline =
      timeout.count() > 0 ? JitGate::Clock::now() + timeout : JitGate::Clock::time_point::max();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    auto listed = co_await primary_.list_models();
    if (!listed) co_return false;
    auto it = std::find_if(listed->begin(), listed->end(),
                           [&](const ModelInfo& m) { return m.id == model; });
    if (it == listed->end()) co_return false;
    if (it->state.empty() || it->state == "loaded" || it->state == "sleeping") co_return true;
    if (it->state != "loading" || JitGate::Clock::now() + confirm_interval_ >= deadline) {
      co_return false;
    }
    timer.expires_after(confirm_interval_);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return false;  // cancelled: the caller sees it on its own call
  }
}

asio::awaitable<Result<JitGate::Ticket>> JitGatedProvider::admit(const std::string& model) {
  auto ticket = co_await gate_->enter(model);
  if (!ticket) co_return named(ticket.error());
  if (ticket->role() == JitGate::Role::kConfirm) {
    if (co_await loaded_meanwhile(model)) {
      ticket->loaded();
    } else {
      ticket->load();
    }
  }
  co_return ticket;
}

template <class T, class Call>
asio::awaitable<Result<T>> JitGatedProvider::gated(const std::string& model, Call call) {
  auto ticket = co_await admit(model);
  if (!ticket) co_return ticket.error();
  Result<T> result = co_await call();
  settle(*ticket, result);
  if (!result) co_return named(result.error());
  result->backend = backend_;
  co_return result;
}

asio::awaitable<Result<GenerationResult>> JitGatedProvider::generate(ProviderRequest request) {
  co_return co_await gated<GenerationResult>(request.model,
                                             [&] { return primary_.generate(std::move(request)); });
}

asio::awaitable<Result<std::unique_ptr<ChatStream>>> JitGatedProvider::stream(
    ProviderRequest request) {
  auto ticket = co_await admit(request.model);
  if (!ticket) co_return ticket.error();
  auto opened = co_await primary_.stream(std::move(request));
  settle(*ticket, opened);
  if (!opened) co_return named(opened.error());
  co_return std::unique_ptr<ChatStream>(
      std::make_unique<NamedStream>(std::move(*opened), backend_));
}

asio::awaitable<Result<EmbeddingResult>> JitGatedProvider::embed(EmbeddingRequest request) {
  co_return co_await gated<EmbeddingResult>(request.model,
                                            [&] { return primary_.embed(std::move(request)); });
}

asio::awaitable<Result<CompletionResult>> JitGatedProvider::complete(CompletionRequest request) {
  co_return co_await gated<CompletionResult>(request.model,
                                             [&] { return primary_.complete(std::move(request)); });
}

asio::awaitable<Result<std::vector<ModelInfo>>> JitGatedProvider::list_models() {
  return primary_.list_models();
}

asio::awaitable<Result<ProviderHealth>> JitGatedProvider::health() { return primary_.health(); }

asio::awaitable<Result<ModelLoadResult>> JitGatedProvider::load_model(std::string model) {
  auto ticket = co_await admit(model);
  if (!ticket) co_return ticket.error();
  auto done = co_await primary_.load_model(std::move(model));
  settle(*ticket, done);
  if (!done) co_return named(done.error());
  if (done->backend.empty()) done->backend = backend_;
  co_return done;
}

asio::awaitable<Result<ModelLoadResult>> JitGatedProvider::unload_model(std::string model) {
  auto done = co_await primary_.unload_model(std::move(model));
  if (!done) co_return named(done.error());
  if (done->backend.empty()) done->backend = backend_;
  co_return done;
}

asio::awaitable<Result<int>> JitGatedProvider::count_tokens(ProviderRequest request) {
  return primary_.count_tokens(std::move(request));
}

}  // namespace roci::server
