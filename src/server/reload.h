// Reload: what SIGHUP (systemctl reload) does to a running gateway.
//
//   gateway.run_until_signal([&] { reload_gateway(gateway, sources); });
//
// Reads the configuration again from the same sources as at start-up: the YAML file and
// auth.api_keys_file are read anew; the environment and the flags are those the process started
// with (a running process's environment cannot be changed from outside). Then, in order: the
// whole configuration is validated (load_gateway_config: every problem), its providers are built
// (Gateway::check), log.file is reopened and log.format / log.level applied (configure_logging),
// and Gateway::apply serves new requests with it. Requests in flight finish with the configuration
// they started with; the listening sockets stay open.
//
// A failure at any step keeps everything as it was: each problem is logged at error level
// ("reload: <key>: <why>"), then "reload refused: ... still serving configuration generation N".
// On success: "configuration reloaded: generation N; changed: key, key" (secrets by name only),
// and one warning per changed key that needs a restart (server.host, server.port,
// server.threads, limits.max_concurrent_upstream, limits.max_queue, limits.queue_timeout_secs),
// which keeps its running value.
#pragma once

#include "config/gateway_config.h"

namespace roci::server {

class Gateway;

// True when the new configuration was applied. Call from one thread at a time (the signal thread).
bool reload_gateway(Gateway& gateway, const config::ConfigSources& sources);

}  // namespace roci::server
