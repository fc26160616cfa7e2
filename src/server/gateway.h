// Gateway: the inference-server's listeners, I/O threads and graceful shutdown.
//
//   config::GatewayConfig config = ...;            // validated
//   Gateway gateway(config);
//   gateway.start();                                // binds and serves; throws on start-up failure
//   std::cout << "listening on " << gateway.endpoint() << "\n";
//   gateway.run_until_signal(on_sighup);            // SIGTERM/SIGINT: drain, then return
//
// Reload (reload.h; SIGHUP): check(next) then apply(next) serve new requests with `next`; requests
// in flight finish with the configuration they started with, listeners stay open. Keys that need
// a restart (ConfigKey::restart) keep their running values.
//
// Threads: server.threads workers (0: one per core). Each has its own io_context (one thread; its
// sockets and timers are used only from that thread, so the reactor does not lock), its own
// acceptor bound to host:port with SO_REUSEPORT (the kernel spreads connections; no lock on the
// accept path), its own ProviderSet, ModelCatalog and MetricsShard. Only the AdmissionQueue
// (limits.max_concurrent_upstream / max_queue), the Fleet (inference.backends: per-backend limits
// and queues, host probes on the first worker) and the connection counter are shared. With port 0
// the first worker picks an ephemeral port and the others bind the same one.
//
// Connections past limits.max_connections are answered 503 (OpenAI envelope) and closed. API keys
// (auth.h) and CORS (cors.h) are checked by the sessions, before the router.
//
// Shutdown (stop(), or SIGTERM/SIGINT in run_until_signal): acceptors close, idle keep-alive
// connections close, in-flight requests and streams run on (their responses carry
// Connection: close); after server.shutdown_grace_secs whatever is left is closed (handlers
// cancelled). A second signal skips the grace period.
#pragma once

#include "config/gateway_config.h"
#include "server/http/session.h"

#include <roci/core/error.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace roci::fleet {
class Fleet;
}  // namespace roci::fleet

namespace roci::server {

class AdmissionQueue;
class LiveConfig;
class ResponseStore;
class MetricsRegistry;
namespace admin {
class AdminState;
}
struct SharedConfig;

struct GatewayOptions {
  // Tests: replaces the router's dispatch for routed requests (see session.h).
  DispatchFn dispatch;
  // Write deadline for every response write (a client that stops reading is dropped). Unset:
  // server.write_timeout_secs.
  std::optional<std::chrono::seconds> write_timeout;
  // What the web console's /admin/status shows: the version string and the config file in use.
  std::string version;
  std::string config_file;
};

class Gateway {
 public:
  explicit Gateway(config::GatewayConfig config, GatewayOptions options = {});
  ~Gateway();  // stop() + wait()
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Builds the workers, binds every acceptor and starts the threads; returns once all listen.
  // Throws std::runtime_error (start-up) when a provider cannot be built or the address cannot
  // be bound ("cannot listen on 127.0.0.1:3000: Address already in use").
  void start();

  // The bound address (the real port when server.port is 0). After start().
  asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
  // "http://127.0.0.1:3000" ("http://[::1]:3000" for IPv6). After start().
  std::string url() const;

  // Begins the graceful shutdown. Any thread. A second call during the drain closes every
  // connection at once; calls after the shutdown finished do nothing.
  void stop();
  // Blocks until the shutdown finished and the threads joined (requires stop() from elsewhere).
  void wait();
  // start() must have run: waits for SIGTERM/SIGINT, then stop() and wait(); on SIGHUP calls
  // `on_reload` (on the signal thread; nothing happens without one). Call
  // block_shutdown_signals() before start() so a signal that arrives in between waits here
  // instead of killing the process (and so no worker thread ever runs a signal handler).
  void run_until_signal(std::function<void()> on_reload = {});
  static void block_shutdown_signals();  // SIGINT, SIGTERM and SIGHUP

  // Reload, any thread, after start(). check: whether `next` (validated by load_gateway_config)
  // can serve: its providers can be built (the error says why not). apply: new requests get
  // `next` from now on, restart-only keys taking their running values; returns the generation.
  Result<void> check(const config::GatewayConfig& next) const;
  std::uint64_t apply(config::GatewayConfig next);
  // The configuration new requests get (with its generation).
  std::shared_ptr<const SharedConfig> live_config() const;

  // Prometheus text of every shard (what GET /metrics answers).
  std::string metrics_text() const;
  int open_connections() const { return connections_.load(std::memory_order_relaxed); }

 private:
  struct Worker;
  void accept_loop_start(Worker& worker);

  config::GatewayConfig config_;
  GatewayOptions options_;
  std::unique_ptr<AdmissionQueue> admission_;
  std::unique_ptr<ResponseStore> responses_;  // shared by every worker
  // inference.backends: the Fleet of the newest configuration (built by start() and apply(),
  // which start its host probes on the first worker's io_context and stop the one it replaces).
  // Each configuration generation holds its Fleet (SharedConfig::fleet), and each request the
  // state it started with, so a replaced Fleet serves its in-flight requests to their end.
  std::shared_ptr<fleet::Fleet> fleet_;
  std::mutex fleet_mutex_;  // fleet_, between start(), apply() and stop()
  std::unique_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<LiveConfig> live_;          // what new requests are served with (live_config.h)
  std::unique_ptr<admin::AdminState> admin_;  // the web console's ring and series (thread-safe)
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  asio::ip::tcp::endpoint endpoint_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> stop_requests_{0};
  std::atomic<int> connections_{0};
  bool started_ = false;
  std::atomic<bool> joined_{false};
};

}  // namespace roci::server
