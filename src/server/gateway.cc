#include "server/gateway.h"

#include "server/admin/admin_state.h"
#include "server/api/response_store.h"
#include "server/live_config.h"
#include "server/observability/fleet_metrics.h"
#include "server/observability/metrics.h"
#include "server/observability/startup_report.h"
#include "server/routing/admission_queue.h"
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

// The start-up probe (startup_report.h); holds the provider set, so a reload meanwhile cannot
// free the provider it probes.
asio::awaitable<void> probe_at_start(std::shared_ptr<ProviderSet> providers) {
  co_await probe_upstream_once(providers->primary());
}
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

// inference.backends' Fleet (null without backends); its backends' retries count on the shard of
// the thread that made the request.
Result<std::shared_ptr<fleet::Fleet>> build_fleet(const config::GatewayConfig& config) {
  return ProviderSet::create_fleet(config, [] {
    if (tls_shard != nullptr) tls_shard->upstream_retry();
  });
}

void log_fleet(const fleet::Fleet& fleet) {
  for (const auto& b : fleet.backends()) {
    spdlog::info("fleet backend {}: {} at {} (max_concurrent {})", b.name, b.provider.kind,
                 b.provider.base_url.empty() ? "its default URL" : b.provider.base_url,
                 b.max_concurrent);
  }
}

bool transient_accept_error(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec.value() == ENFILE;
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, SessionEnv& env) {
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
    const int max_connections = env.states.current()->shared->config.limits.max_connections;
    const bool reject = max_connections > 0 && open > max_connections;
    asio::co_spawn(acceptor.get_executor(), run_session(std::move(socket), env, reject),
                   asio::detached);
  }
}

}  // namespace

struct Gateway::Worker {
  // Declared first: destroyed last, after everything that holds sockets or timers on it.
  // One thread runs it, and every socket and timer on it is used only from that thread (other
  // threads post to it): the reactor takes no lock per I/O operation. Posting stays thread-safe.
  asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  WorkerStates states;
  SessionEnv env;
  tcp::acceptor acceptor{ioc};

  // Throws std::runtime_error when the providers cannot be built.
  Worker(MetricsShard& shard, AdmissionQueue& admission, Gateway& gateway)
      : states(*gateway.live_, WorkerResources{.metrics = shard,
                                               .admission = admission,
                                               .count_retry = [&shard] { shard.upstream_retry(); },
                                               .admin = gateway.admin_.get(),
                                               .responses = gateway.responses_.get(),
                                               .executor = ioc.get_executor()}),
        env{states,
            shard,
            gateway.stopping_,
            gateway.connections_,
            gateway.options_.dispatch ? &gateway.options_.dispatch : nullptr,
            gateway.options_.write_timeout,
            {}} {}
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
  auto fleet = build_fleet(config_);
  if (!fleet) throw std::runtime_error("cannot create the fleet: " + fleet.error().message);
  fleet_ = std::move(*fleet);
  live_ = std::make_unique<LiveConfig>(config_, fleet_);
  admin_ = std::make_unique<admin::AdminState>(
      admin::AdminOptions{.version = options_.version,
                          .config_file = options_.config_file,
                          .enabled = config_.ui.enabled,
                          .log_content = config_.ui.log_content,
                          .keys_required = live_->get()->auth.enabled(),
                          .threads = threads,
                          .stopping = &stopping_,
                          .connections = &connections_});
  admission_ = std::make_unique<AdmissionQueue>(AdmissionQueue::Options{
      .max_concurrent = config_.limits.max_concurrent_upstream,
      .max_queue = config_.limits.max_queue,
      .queue_timeout = std::chrono::seconds(config_.limits.queue_timeout_secs)});
  responses_ = std::make_unique<ResponseStore>(
      ResponseStore::Options{.max_entries = config_.responses.store_max_entries,
                             .max_bytes = config_.responses.store_max_bytes,
                             .ttl = std::chrono::seconds(config_.responses.store_ttl_secs)});
  metrics_ = std::make_unique<MetricsRegistry>(
      static_cast<std::size_t>(threads),
      GaugeSources{
          .queue_length =
              [q = admission_.get()] { return static_cast<std::int64_t>(q->queue_length()); },
          .connections_open =
              [c = &connections_] {
                return static_cast<std::int64_t>(c->load(std::memory_order_relaxed));
              },
          // The fleet of the newest configuration; nothing without inference.backends.
          .fleet_text =
              [live = live_.get()] {
                const auto shared = live->get();
                return shared->fleet ? render_fleet_metrics(shared->fleet->snapshot())
                                     : std::string();
              }});

  for (int i = 0; i < threads; ++i) {
    MetricsShard& shard = metrics_->shard(static_cast<std::size_t>(i));
    workers_.push_back(std::make_unique<Worker>(shard, *admission_, *this));
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
    asio::co_spawn(worker->ioc, accept_loop(worker->acceptor, worker->env), asio::detached);
    asio::co_spawn(worker->ioc, run_deadline_sweeper(worker->env, kSweepInterval), asio::detached);
  }
  if (fleet_) fleet_->start(workers_[0]->ioc.get_executor());
  started_ = true;
  for (auto& worker : workers_) {
    threads_.emplace_back([w = worker.get()] {
      tls_shard = &w->env.metrics;
      w->ioc.run();
    });
  }
  if (fleet_) log_fleet(*fleet_);
  spdlog::info("listening on {} ({} I/O thread{})", url(), threads, threads == 1 ? "" : "s");
  const auto shared = live_->get();
  const std::shared_ptr<ProviderSet> providers = workers_[0]->states.current()->providers;
  spdlog::info("{}", describe_gateway(config_, providers->primary()));
  asio::co_spawn(workers_[0]->ioc, probe_at_start(providers), asio::detached);
  if (config_.ui.enabled) {
    spdlog::info("web console: {}/ui/ ({})", url(),
                 shared->auth.enabled() ? "an API key is asked for" : "loopback clients only");
  }
  if (shared->auth.enabled()) {
    spdlog::info("auth: an API key is required ({} key{} configured; /health {}, /metrics {})",
                 shared->auth.key_count(), shared->auth.key_count() == 1 ? "" : "s",
                 config_.auth.public_health ? "public" : "protected",
                 config_.auth.public_metrics ? "public" : "protected");
  }
  if (shared->cors.enabled()) {
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
    {
      std::lock_guard lock(fleet_mutex_);
      if (fleet_) fleet_->stop();  // no new probes; requests in flight keep the last state
    }
    stopping_.store(true);
    stopping_.notify_all();
    spdlog::info("shutting down: draining {} connection(s), grace {} s",
                 connections_.load(std::memory_order_relaxed),
                 live_->get()->config.server.shutdown_grace_secs);
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
  const auto grace_end =
      clock::now() + std::chrono::seconds(live_->get()->config.server.shutdown_grace_secs);
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
  // A close posted by stop() may not have run before ioc.stop(): the listeners close here at the
  // latest, so nothing accepts once wait() returned.
  for (auto& worker : workers_) {
    boost::system::error_code ec;
    worker->acceptor.close(ec);
  }
  joined_ = true;
  spdlog::info("shutdown complete");
}

void Gateway::run_until_signal(std::function<void()> on_reload) {
  asio::io_context signal_ioc(1);
  asio::signal_set signals(signal_ioc, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      spdlog::info("received SIGHUP: reloading the configuration");
      if (on_reload && !stopping_.load()) on_reload();
    } else {
      spdlog::info("received signal {}", signo);
      stop();
    }
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  std::thread signal_thread([&] { signal_ioc.run(); });
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
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
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Result<void> Gateway::check(const config::GatewayConfig& next) const {
  auto set = ProviderSet::create(next);  // builds, connects nothing
  if (!set) return set.error();
  if (!same_fleet(live_->get()->config, next)) {
    auto fleet = ProviderSet::create_fleet(next, {});  // checks the backends; polls nothing
    if (!fleet) return fleet.error();
  }
  return {};
}

std::uint64_t Gateway::apply(config::GatewayConfig next) {
  std::lock_guard lock(fleet_mutex_);
  const auto running = live_->get();
  config::keep_restart_values(next, running->config);
  std::shared_ptr<fleet::Fleet> fleet = running->fleet;
  if (!same_fleet(running->config, next)) {
    auto built = build_fleet(next);
    if (!built) {  // check() accepted it: only the environment can have changed in between
      spdlog::error("reload: cannot create the fleet ({}); keeping the running backends",
                    built.error().message);
    } else {
      fleet = std::move(*built);
      // The new Fleet polls from now on; the old one stops polling and serves the requests that
      // hold it (their generation's state) to their end.
      if (fleet) fleet->start(workers_[0]->ioc.get_executor());
      if (fleet_) fleet_->stop();
      fleet_ = fleet;
      if (fleet_) log_fleet(*fleet_);
    }
  }
  return live_->publish(std::move(next), std::move(fleet));
}

std::shared_ptr<const SharedConfig> Gateway::live_config() const { return live_->get(); }

std::string Gateway::metrics_text() const { return metrics_ ? metrics_->render() : std::string(); }

}  // namespace roci::server
