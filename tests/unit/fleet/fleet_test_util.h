// A fake fleet for the SDK's fleet tests: N fake hosts (tests/support/fake_upstream.h) on real
// sockets, a Fleet over them polling on the test's io_context, and a FleetProvider.
//
//   FleetHarness h({lmstudio({{"m1", .loaded = false}}), lmstudio({{"m1"}})});
//   auto r = h.run(h.provider->generate(h.request("m1")));   // r->backend == "b"
#pragma once

#include <roci/fleet/fleet.h>
#include <roci/fleet/fleet_provider.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "support/fake_upstream.h"

namespace roci::fleet::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using roci::testing::FakeModel;
using roci::testing::FakeOptions;
using roci::testing::FakeUpstream;

inline FakeOptions lmstudio(std::vector<FakeModel> models,
                            std::chrono::milliseconds load_delay = 0ms) {
  FakeOptions o;
  o.models = std::move(models);
  o.jit_load_delay = load_delay;
  o.control = true;
  return o;
}

inline FakeModel on_disk(std::string id) {
  FakeModel m;
  m.id = std::move(id);
  m.loaded = false;
  return m;
}

inline FakeModel loaded(std::string id) {
  FakeModel m;
  m.id = std::move(id);
  return m;
}

struct HarnessOptions {
  FleetOptions fleet{.probe_interval = 50ms,
                     .probe_timeout = 500ms,
                     .cooldown = 200ms,
                     .max_cooldown = 1s,
                     .spill_queue_depth = 8,
                     .queue_timeout = 10s,
                     .load_timeout = 10s,
                     .max_retries = 1,  // one failover; the last host is not asked again
                     .seed = 7};
  int max_concurrent = 4;
  int max_queue = 16;
};

class FleetHarness {
 public:
  explicit FleetHarness(std::vector<FakeOptions> hosts, HarnessOptions options = {}) {
    std::vector<BackendSpec> specs;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      fakes.push_back(std::make_unique<FakeUpstream>(hosts[i]));
      BackendSpec spec;
      spec.name = std::string(1, static_cast<char>('a' + i));
      spec.provider.kind =
          hosts[i].mode == roci::testing::FakeMode::kLlamaCpp ? "llamacpp" : "lmstudio";
      spec.provider.base_url = fakes.back()->base_url();
      spec.provider.http.max_retries = 0;
      spec.provider.http.connect_timeout = 500ms;
      spec.max_concurrent = options.max_concurrent;
      spec.max_queue = options.max_queue;
      specs.push_back(std::move(spec));
    }
    auto created = Fleet::create(std::move(specs), options.fleet, ProviderRegistry());
    fleet = created.value();
    fleet->start(io.get_executor());
    run_until([&] { return fleet->probed(); });
    provider = std::make_unique<FleetProvider>(fleet);
  }
  ~FleetHarness() {
    provider.reset();
    fleet->stop();
    io.run_for(20ms);
  }

  // Runs the io_context until `done()` or 5 s; false on timeout.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      if (io.stopped()) io.restart();
      io.run_one_for(10ms);
    }
    return true;
  }

  template <class T>
  T run(asio::awaitable<T> awaitable) {
    auto future = asio::co_spawn(io, std::move(awaitable), asio::use_future);
    run_until([&] { return future.wait_for(0s) == std::future_status::ready; }, 20s);
    return future.get();
  }

  // `n` concurrent generations of `model`, each on its own coroutine.
  std::vector<Result<GenerationResult>> concurrent(int n, const std::string& model) {
    std::vector<std::future<Result<GenerationResult>>> futures;
    for (int i = 0; i < n; ++i) {
      futures.push_back(asio::co_spawn(io, provider->generate(request(model)), asio::use_future));
    }
    run_until(
        [&] {
          for (auto& f : futures) {
            if (f.wait_for(0s) != std::future_status::ready) return false;
          }
          return true;
        },
        20s);
    std::vector<Result<GenerationResult>> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  }

  static ProviderRequest request(std::string model) {
    ProviderRequest r;
    r.model = std::move(model);
    r.messages.push_back(ModelMessage::user("hello fleet"));
    r.settings.max_tokens = 4;
    return r;
  }

  BackendSnapshot backend(std::string_view name) const {
    for (auto& b : fleet->snapshot().backends) {
      if (b.name == name) return b;
    }
    return {};
  }

  asio::io_context io;
  std::vector<std::unique_ptr<FakeUpstream>> fakes;
  std::shared_ptr<Fleet> fleet;
  std::unique_ptr<FleetProvider> provider;
};

}  // namespace roci::fleet::test
