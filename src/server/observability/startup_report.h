// What the gateway says about itself when it starts: one info line naming what it serves, and
// one probe of the upstream whose outcome is logged (a warning saying what to check when it is
// unreachable). Neither fails the start: an upstream that is down is routine for a gateway.
//
//   spdlog::info("{}", describe_gateway(config, primary));
//   asio::co_spawn(ioc, probe_upstream_once(primary), asio::detached);
//
// The line, for LM Studio:
//   serving lmstudio at http://localhost:1234; default model: the model loaded there
//   ("local-model" works too); auth: off (no API key required); default_max_tokens 100 (a request
//   without max_tokens gets at most 100 tokens: set inference.default_max_tokens)
// and for the mock it starts "serving the built-in MOCK provider (canned test answers, not a
// model's)" so nobody mistakes its answers for a model's.
#pragma once

#include <roci/provider/provider.h>

#include <boost/asio/awaitable.hpp>
#include <string>

namespace roci::config {
struct GatewayConfig;
}

namespace roci::server {

// The start-up line (no trailing newline). Never contains a key.
std::string describe_gateway(const config::GatewayConfig& config, const Provider& primary);

// Calls primary.health() once (a probe, never a completion; bounded by the provider's probe
// deadline) and logs the outcome: info when reachable (latency, loaded models), warn naming the
// URL and what to check when not. Runs on the provider's thread; cancellation ends it quietly.
boost::asio::awaitable<void> probe_upstream_once(Provider& primary);

}  // namespace roci::server
