// ModelCatalog: each provider's model list, cached briefly so model resolution does not ask the
// upstream on every request.
//
//   ModelCatalog catalog;                                    // one per I/O thread
//   auto models = co_await catalog.models(provider);         // Result<ModelList>
//   if (models) for (const auto& m : **models) use(m.id);
//   catalog.invalidate(provider.name());                     // the upstream said "model not found"
//
// Freshness: a list is reused for `ttl` (default 2 s); a failed fetch is remembered for
// `error_ttl` (default 1 s) so a dead upstream is not probed twice per request. An expired list
// is refreshed in the background when a BackgroundRefresh is set (the gateway sets one per
// thread): the caller that finds it expired gets the stale list at once, as do the others until
// the refresh ends (an LM Studio listing is three requests in a row: no request waits for them).
// Without one, the caller that finds it expired fetches and waits, and the others on the same
// thread keep using the stale list meanwhile. A provider never listed before, or whose list was
// invalidated, makes its callers wait. A cancelled fetch (client gone) is neither cached nor
// reported to other callers.
//
// Lists are immutable and shared (ModelList), so a caller may hold one across co_await while the
// cache is refreshed under it. Keyed by Provider::name() (one provider per name per thread).
// Threading: not thread-safe; one catalog per I/O thread, next to its ProviderSet.
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/provider.h>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roci::server {

namespace asio = boost::asio;

using ModelList = std::shared_ptr<const std::vector<ModelInfo>>;

class ModelCatalog {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kDefaultTtl{2000};
  static constexpr std::chrono::milliseconds kDefaultErrorTtl{1000};

  explicit ModelCatalog(std::chrono::milliseconds ttl = kDefaultTtl,
                        std::chrono::milliseconds error_ttl = kDefaultErrorTtl);

  // The provider's models, from the cache or one list_models() call. `provider` must outlive the
  // call. Errors: whatever list_models() returned (kUpstreamUnreachable, kTimeout, ...);
  // kCancelled when the caller was cancelled.
  asio::awaitable<Result<ModelList>> models(Provider& provider);

  // What models() would answer without waiting (a fresh list, a remembered failure, or the stale
  // list while this thread refreshes it, starting that refresh if none runs and a
  // BackgroundRefresh is set); nullopt when models() would wait for list_models(). No coroutine
  // frame: the request path tries this first.
  std::optional<Result<ModelList>> cached(Provider& provider);

  // Starts refresh(provider) on this catalog's thread without anyone waiting for it, keeping the
  // provider and this catalog alive until it ends; false when it could not (the caller then
  // fetches). Called from cached() at most once per expiry.
  using BackgroundRefresh = std::function<bool(Provider& provider)>;
  void set_background_refresh(BackgroundRefresh start) { background_refresh_ = std::move(start); }

  // One list_models() call, cached (or its failure remembered, as models() does): what a
  // background refresh runs. Errors: as models().
  asio::awaitable<Result<ModelList>> refresh(Provider& provider);

  // Ids of the models whose state is "loaded", in listed order.
  asio::awaitable<Result<std::vector<std::string>>> loaded_models(Provider& provider);

  // Forget the provider's list (and a remembered failure): the next call fetches again.
  void invalidate(std::string_view provider_name);
  void invalidate_all();

  // Test hook: the time source.
  void set_clock(std::function<Clock::time_point()> now) { now_ = std::move(now); }

 private:
  struct Entry {
    ModelList list;                // last good list (may be stale)
    Clock::time_point fetched_at;  // of `list`
    std::optional<Error> error;    // last failure, remembered until error_until
    Clock::time_point error_until;
    bool refreshing = false;  // a coroutine on this thread is fetching
  };

  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds error_ttl_;
  std::function<Clock::time_point()> now_;
  BackgroundRefresh background_refresh_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// Ids of `models`, in order.
std::vector<std::string> model_ids(const std::vector<ModelInfo>& models);

}  // namespace roci::server
