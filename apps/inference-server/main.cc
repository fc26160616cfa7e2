// inference-server: the OpenAI-compatible gateway in front of LM Studio, OpenAI or the mock.
//
//   inference-server                               # mock provider on 127.0.0.1:3000
//   inference-server --config config/lmstudio.yaml --port 8080 --log-level debug
//   inference-server --config my.yaml --check-config
//   inference-server --version                     # "inference-server 0.1.0 (git 4c34dfe1a2b3)"
//
// Configuration: defaults < --config YAML < INFERENCE_* environment < flags. Every problem is
// printed ("inference-server: configuration problems:" then "  key: why" lines) and the exit
// code is 2. Once every worker listens, stdout gets exactly one line,
// "inference-server listening on http://HOST:PORT" (tests read it to learn the port). Logs go to
// stderr or log.file, as text or JSON (log.format). SIGTERM/SIGINT drain in-flight requests for
// server.shutdown_grace_secs; exit code 0. SIGHUP reloads the configuration (server/reload.h):
// the file and auth.api_keys_file are read again, log.file is reopened; the environment and the
// flags stay those of start-up.
// A start-up failure (address in use, provider) prints "inference-server: <why>" and exits 1.
#include "config/gateway_config.h"
#include "roci_version.h"
#include "server/gateway.h"
#include "server/observability/logging.h"
#include "server/reload.h"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include <csignal>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitConfig = 2;

// For glibc's malloc (a ROCI_SERVER_ALLOCATOR=system build; tcmalloc, the default, and the
// sanitizers' allocators take mallopt and ignore it): glibc returns the top of a heap to the OS as
// soon as 128 KiB are free there, and takes it back on the next allocation: under load that is a
// grow/shrink cycle (mprotect/madvise and about one page fault) per request. Keeping 8 MiB before
// trimming and growing 1 MiB at a time avoids that (the figures are in bench/RESULTS.md). Memory
// left by a burst is still given back: the session sweeper calls malloc_trim once the burst is
// over.
void tune_allocator() {
#if defined(__GLIBC__)
  ::mallopt(M_TRIM_THRESHOLD, 8 << 20);
  ::mallopt(M_TOP_PAD, 1 << 20);
#endif
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

}  // namespace

int main(int argc, char** argv) {
  tune_allocator();
  CLI::App app{"inference-server: an OpenAI-compatible gateway for LM Studio, OpenAI and a mock",
               "inference-server"};
  std::optional<std::string> config_file;
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<std::string> log_level;
  std::optional<int> threads;
  bool check_config = false;
  app.add_option("--config", config_file, "YAML configuration file")->check(CLI::ExistingFile);
  app.add_option("--host", host, "listen address (server.host)");
  app.add_option("--port", port, "listen port, 0 for any free port (server.port)");
  app.add_option("--log-level", log_level, "error | warn | info | debug | trace (log.level)");
  app.add_option("--threads", threads, "I/O threads, 0 for one per core (server.threads)");
  app.add_flag("--check-config", check_config, "validate the configuration, print it and exit");
  app.set_version_flag("--version", std::string("inference-server ") + roci::apps::kVersion,
                       "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitConfig;
  }

  roci::config::ConfigSources sources;
  sources.file = config_file;
  sources.env = roci::config::environ_map();
  if (host) sources.flags["server.host"] = *host;
  if (port) sources.flags["server.port"] = std::to_string(*port);
  if (log_level) sources.flags["log.level"] = *log_level;
  if (threads) sources.flags["server.threads"] = std::to_string(*threads);

  const roci::config::ConfigResult loaded = roci::config::load_gateway_config(sources);
  if (!loaded) {
    std::cerr << "inference-server: configuration problems:\n";
    const std::string text = roci::config::format_problems(loaded.problems);
    std::size_t begin = 0;
    while (begin < text.size()) {
      const std::size_t end = text.find('\n', begin);
      std::cerr << "  " << text.substr(begin, end - begin) << "\n";
      if (end == std::string::npos) break;
      begin = end + 1;
    }
    return kExitConfig;
  }
  const roci::config::GatewayConfig& config = *loaded.config;
  if (check_config) {
    std::cout << "configuration OK\n" << roci::config::describe_effective_config(config);
    std::cout.flush();
    return kExitOk;
  }

  if (auto why = roci::server::configure_logging(config.log); !why.empty()) {
    std::cerr << "inference-server: configuration problems:\n  log.file: " << why << "\n";
    return kExitConfig;
  }
  std::signal(SIGPIPE, SIG_IGN);
  if (spdlog::should_log(spdlog::level::debug)) {  // the description is built only when written
    spdlog::debug("effective configuration:\n{}", roci::config::describe_effective_config(config));
  }
  if (!is_loopback_host(config.server.host) && config.auth.api_keys.empty()) {
    spdlog::warn(
        "server.host is {}: the gateway is reachable from the network without authentication; "
        "set auth.api_keys (env INFERENCE_AUTH_API_KEYS=key1,key2) or auth.api_keys_file to "
        "require an API key, or listen on 127.0.0.1",
        config.server.host);
  }

  roci::server::Gateway::block_shutdown_signals();  // until run_until_signal() handles them
  roci::server::GatewayOptions options;
  options.version = roci::apps::kVersion;
  options.config_file = config_file.value_or("");
  roci::server::Gateway gateway(config, std::move(options));
  try {
    gateway.start();
  } catch (const std::exception& e) {
    std::cerr << "inference-server: " << e.what() << "\n";
    return kExitFailure;
  }
  std::cout << "inference-server listening on " << gateway.url() << std::endl;  // flushed
  gateway.run_until_signal([&] { roci::server::reload_gateway(gateway, sources); });
  return kExitOk;
}
