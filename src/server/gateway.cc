#include "server/gateway.h"

#include "server/http/auth.h"
#include "server/http/cors.h"
#include "server/observability/fleet_metrics.h"
#include "server/observability/metrics.h"
#include "server/routing/admission_queue.h"
#include "server/routing/model_catalog.h"
#include "server/routing/provider_set.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <pthread.h>

#include <sys/socket.h>
#include <csignal>
#include <stdexcept>

namespace roci::server {
namespace {

using tcp = asio::ip::tcp;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kDrainPoll{10};
constexpr std::chrono::seconds kForcedCloseWait{2};
constexpr std::chrono::milliseconds kSweepInterval{250};  // I/O deadline granularity

std::string describe(const tcp::endpoint& ep) {
  const auto address = ep.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

tcp::endpoint resolve_listen_address(asio::io_context& ioc, const std::string& host, int port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, static_cast<unsigned short>(port)};
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve server.host \"" + host +
                             "\": " + (ec ? ec.message() : std::string("no address")));
  }
  return results.begin()->endpoint();
}

// The metrics shard of the I/O thread running this code (set when the worker thread starts): a
// fleet backend's provider retries on whichever thread made the request.
thread_local MetricsShard* tls_shard = nullptr;

bool transient_accept_error(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec.value() == ENFILE;
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, SessionEnv& env, int max_connections) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (transient_accept_error(ec)) {  // out of descriptors: back off instead of spinning
        spdlog::warn("accept failed: {}; retrying in 100 ms", ec.message());
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
        auto [wait_ec] = co_await pause.async_wait(kUseTuple);
        (void)wait_ec;
      }
      continue;
    }
    const int open = env.connections.fetch_add(1, std::memory_order_relaxed) + 1;
    const bool reject = max_connections > 0 && open > max_connections;
    asio::co_spawn(acceptor.get_executor(), run_session(std::move(socket), env, reject),
                   asio::detached);
  }
}

}  // namespace

struct Gateway::Worker {
  // Declared first: destroyed last, after everything that holds sockets or timers on it.
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  ProviderSet providers;
  ModelCatalog catalog;
  WorkerContext context;
  SessionEnv env;
  tcp::acceptor acceptor{ioc};

  Worker(const config::GatewayConfig& config, ProviderSet set, MetricsShard& shard,
         AdmissionQueue& admission, Gateway& gateway)
      : providers(std::move(set)),
        context{config, providers, shard, admission, catalog},
        env{context,
            gateway.stopping_,
            gateway.connections_,
            gateway.options_.dispatch ? &gateway.options_.dispatch : nullptr,
            gateway.options_.write_timeout.value_or(
                std::chrono::seconds(config.server.write_timeout_secs)),
            {},
            gateway.auth_.get(),
            gateway.cors_.get()} {}
};

Gateway::Gateway(config::GatewayConfig config, GatewayOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

Gateway::~Gateway() {
  if (started_ && !joined_) {
    stop();
    wait();
  }
  // Sessions still linked (forced shutdown) must unlink before their lists go away; workers go
  // before the counters and the queue their leftover coroutine frames may touch.
  for (auto& worker : workers_) worker->env.sessions.clear();
  workers_.clear();
}

void Gateway::start() {
  if (started_) return;
  const int threads = config_.server.threads > 0
                          ? config_.server.threads
                          : std::max(1u, std::thread::hardware_concurrency());
  auth_ = std::make_unique<const ApiKeyCheck>(config_.auth);
  cors_ = std::make_unique<const CorsPolicy>(config_.cors);
  admission_ = std::make_unique<AdmissionQueue>(AdmissionQueue::Options{
      .max_concurrent = config_.limits.max_concurrent_upstream,
      .max_queue = config_.limits.max_queue,
      .queue_timeout = std::chrono::seconds(config_.limits.queue_timeout_secs)});
  auto fleet = ProviderSet::create_fleet(config_, [] {
    if (tls_shard != nullptr) tls_shard->upstream_retry();
  });
  if (!fleet) throw std::runtime_error("cannot create the fleet: " + fleet.error().message);
  fleet_ = std::move(*fleet);
  std::function<std::string()> fleet_text;
  if (fleet_) fleet_text = [f = fleet_.get()] { return render_fleet_metrics(f->snapshot()); };
  metrics_ = std::make_unique<MetricsRegistry>(
      static_cast<std::size_t>(threads),
      GaugeSources{
          .queue_length =
              [q = admission_.get()] { return static_cast<std::int64_t>(q->queue_length()); },
          .connections_open =
              [c = &connections_] {
                return static_cast<std::int64_t>(c->load(std::memory_order_relaxed));
              },
          .fleet_text = std::move(fleet_text)});

  for (int i = 0; i < threads; ++i) {
    MetricsShard& shard = metrics_->shard(static_cast<std::size_t>(i));
    auto set = ProviderSet::create(
        config_, [&shard] { shard.upstream_retry(); }, fleet_);
    if (!set) throw std::runtime_error("cannot create the provider: " + set.error().message);
    workers_.push_back(
        std::make_unique<Worker>(config_, std::move(*set), shard, *admission_, *this));
  }

  // Probe without SO_REUSEPORT first: binding into another live server's reuse-port group would
  // silently share its traffic. With port 0 the probe also picks the port every worker binds.
  tcp::endpoint ep =
      resolve_listen_address(workers_[0]->ioc, config_.server.host, config_.server.port);
  {
    tcp::acceptor probe(workers_[0]->ioc);
    boost::system::error_code ec;
    probe.open(ep.protocol(), ec);
    if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(ep, ec);
    if (ec) throw std::runtime_error("cannot listen on " + describe(ep) + ": " + ec.message());
    ep.port(probe.local_endpoint().port());
  }
  for (auto& worker : workers_) {
    boost::system::error_code ec;
    worker->acceptor.open(ep.protocol(), ec);
    if (!ec) worker->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) worker->acceptor.set_option(reuse_port(true), ec);
    if (!ec) worker->acceptor.bind(ep, ec);
    if (!ec) worker->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + describe(ep) + ": " + ec.message());
  }
  endpoint_ = workers_[0]->acceptor.local_endpoint();

  for (auto& worker : workers_) {
    asio::co_spawn(worker->ioc,
                   accept_loop(worker->acceptor, worker->env, config_.limits.max_connections),
                   asio::detached);
    asio::co_spawn(worker->ioc, run_deadline_sweeper(worker->env, kSweepInterval), asio::detached);
  }
  if (fleet_) fleet_->start(workers_[0]->ioc.get_executor());
  started_ = true;
  for (auto& worker : workers_) {
    threads_.emplace_back([w = worker.get()] {
      tls_shard = &w->context.metrics;
      w->ioc.run();
    });
  }
  if (fleet_) {
    for (const auto& b : fleet_->backends()) {
      spdlog::info("fleet backend {}: {} at {} (max_concurrent {})", b.name, b.provider.kind,
                   b.provider.base_url.empty() ? "its default URL" : b.provider.base_url,
                   b.max_concurrent);
    }
  }
  spdlog::info("listening on {} ({} I/O thread{})", url(), threads, threads == 1 ? "" : "s");
  if (auth_->enabled()) {
    spdlog::info("auth: an API key is required ({} key{} configured; /health {}, /metrics {})",
                 auth_->key_count(), auth_->key_count() == 1 ? "" : "s",
                 config_.auth.public_health ? "public" : "protected",
                 config_.auth.public_metrics ? "public" : "protected");
  }
  if (cors_->enabled()) {
    std::string origins;
    for (const auto& o : config_.cors.allowed_origins) origins += (origins.empty() ? "" : ", ") + o;
    spdlog::info("cors: browser requests allowed from {}", origins);
  }
}

std::string Gateway::url() const { return "http://" + describe(endpoint_); }

void Gateway::stop() {
  if (!started_ || joined_.load()) return;
  const int n = stop_requests_.fetch_add(1) + 1;
  if (n == 1) {
    if (fleet_) fleet_->stop();  // no new probes; requests in flight keep the last state
    stopping_.store(true);
    stopping_.notify_all();
    spdlog::info("shutting down: draining {} connection(s), grace {} s",
                 connections_.load(std::memory_order_relaxed), config_.server.shutdown_grace_secs);
    for (auto& worker : workers_) {
      asio::post(worker->ioc, [w = worker.get()] {
        boost::system::error_code ec;
        w->acceptor.close(ec);
        close_idle_sessions(w->env);
      });
    }
  } else if (n == 2) {
    spdlog::warn("second stop request: closing every connection now");
  }
}

void Gateway::wait() {
  if (!started_ || joined_) return;
  stopping_.wait(false);
  using clock = std::chrono::steady_clock;
  const auto grace_end = clock::now() + std::chrono::seconds(config_.server.shutdown_grace_secs);
  while (connections_.load() > 0 && clock::now() < grace_end && stop_requests_.load() < 2) {
    std::this_thread::sleep_for(kDrainPoll);
  }
  if (connections_.load() > 0) {
    spdlog::warn("closing {} connection(s) still open after the grace period", connections_.load());
    for (auto& worker : workers_) {
      asio::post(worker->ioc, [w = worker.get()] { close_all_sessions(w->env); });
    }
    const auto forced_end = clock::now() + kForcedCloseWait;
    while (connections_.load() > 0 && clock::now() < forced_end)
      std::this_thread::sleep_for(kDrainPoll);
  }
  for (auto& worker : workers_) {
    worker->work.reset();
    worker->ioc.stop();
  }
  for (auto& t : threads_) t.join();
  joined_ = true;
  spdlog::info("shutdown complete");
}

void Gateway::run_until_signal() {
  asio::io_context signal_ioc(1);
  asio::signal_set signals(signal_ioc, SIGINT, SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received signal {}", signo);
    stop();
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  std::thread signal_thread([&] { signal_ioc.run(); });
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);  // pending signals are delivered now
  wait();
  signal_ioc.stop();
  signal_thread.join();
}

void Gateway::block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string Gateway::metrics_text() const { return metrics_ ? metrics_->render() : std::string(); }

}  // namespace roci::server
