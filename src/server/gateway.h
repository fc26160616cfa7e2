// Gateway: the inference-server's listeners, I/O threads and graceful shutdown.
//
//   config::GatewayConfig config = ...;            // validated
//   Gateway gateway(config);
//   gateway.start();                                // binds and serves; throws on start-up failure
//   std::cout << "listening on " << gateway.endpoint() << "\n";
//   gateway.run_until_signal();                     // SIGTERM/SIGINT: drain, then return
//
// Threads: server.threads workers (0: one per core). Each has its own io_context (concurrency
// hint 1), its own acceptor bound to host:port with SO_REUSEPORT (the kernel spreads connections;
// no lock on the accept path), its own ProviderSet, ModelCatalog and MetricsShard. Only the
// AdmissionQueue (limits.max_concurrent_upstream / max_queue), the Fleet (inference.backends:
// per-backend limits and queues, host probes on the first worker) and the connection counter
// are shared. With port 0 the first worker picks an ephemeral port and the others bind the same
// one.
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

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace roci::server {

class AdmissionQueue;
}  // namespace roci::server
namespace roci::fleet {
class Fleet;
}  // namespace roci::fleet
namespace roci::server {
class ApiKeyCheck;
class CorsPolicy;
class MetricsRegistry;

struct GatewayOptions {
  // Tests: replaces the router's dispatch for routed requests (see session.h).
  DispatchFn dispatch;
  // Write deadline for every response write (a client that stops reading is dropped). Unset:
  // server.write_timeout_secs.
  std::optional<std::chrono::seconds> write_timeout;
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
  // start() must have run: waits for SIGTERM/SIGINT, then stop() and wait(). Call
  // block_shutdown_signals() before start() so a signal that arrives in between waits here
  // instead of killing the process (and so no worker thread ever runs a signal handler).
  void run_until_signal();
  static void block_shutdown_signals();

  // Prometheus text of every shard (what GET /metrics answers).
  std::string metrics_text() const;
  int open_connections() const { return connections_.load(std::memory_order_relaxed); }

 private:
  struct Worker;
  void accept_loop_start(Worker& worker);

  config::GatewayConfig config_;
  GatewayOptions options_;
  std::unique_ptr<AdmissionQueue> admission_;
  // inference.backends: the one Fleet every worker's FleetProvider routes through; its host
  // probes run on the first worker's io_context. nullptr without backends.
  std::shared_ptr<fleet::Fleet> fleet_;
  std::unique_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<const ApiKeyCheck> auth_;  // auth.*, shared read-only by every worker
  std::unique_ptr<const CorsPolicy> cors_;   // cors.*, likewise
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
