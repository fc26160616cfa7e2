#include "server/observability/startup_report.h"

#include "config/gateway_config.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string_view>

namespace roci::server {
namespace {

std::string join(const std::vector<std::string>& items, std::size_t max_items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max_items; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > max_items) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

std::string default_model_phrase(const config::GatewayConfig& config, std::string_view kind) {
  const std::string& configured = config.inference.default_model;
  const bool local_host = kind == "lmstudio" || kind == "llamacpp";
  if (configured.empty() || configured == "local-model") {
    if (local_host) return "the model loaded there (\"local-model\" names it too)";
    if (kind == "mock") return "\"" + config.inference.mock.models.front() + "\"";
    return "none (requests must name a model)";
  }
  return "\"" + configured + "\"";
}

std::string what_to_check(std::string_view kind) {
  if (kind == "lmstudio") {
    return "is LM Studio's server started (Developer tab > Start Server, or `lms server start`), "
           "and for another machine is \"Serve on Local Network\" on and the port open in its "
           "firewall? Check inference.base_url";
  }
  if (kind == "llamacpp") {
    return "is llama-server running (llama-server -m model.gguf --port 8080) and listening on "
           "the address in inference.base_url?";
  }
  return "check inference.base_url, the network and the API key";
}

}  // namespace

std::string describe_gateway(const config::GatewayConfig& config, const Provider& primary) {
  const std::string_view kind = primary.kind();
  std::string line;
  if (kind == "mock") {
    line = "serving the built-in MOCK provider (canned test answers, not a model's; models: " +
           join(config.inference.mock.models, 5) +
           "). Set inference.provider to lmstudio, llamacpp or openai for a real model";
  } else if (kind == "fleet") {
    std::vector<std::string> names;
    for (const auto& b : config.inference.backends) names.push_back(b.name);
    line = "serving a fleet of " + std::to_string(names.size()) + " backends (" + join(names, 8) +
           "; /health shows each)";
  } else {
    line = "serving " + std::string(kind) + " at " + primary.base_url();
  }
  line += "; default model: " + default_model_phrase(config, kind);
  if (!config.inference.allowed_models.empty()) {
    line += "; allowed models: " + join(config.inference.allowed_models, 5);
  }
  const bool keys = !config.auth.api_keys.empty() || !config.auth.api_keys_file.empty();
  line += keys ? "; auth: on (an API key is required)" : "; auth: off (no API key required)";
  const std::string tokens = std::to_string(config.inference.default_max_tokens);
  line += "; default_max_tokens " + tokens + " (a request without max_tokens gets at most " +
          tokens + " tokens: set inference.default_max_tokens)";
  return line;
}

boost::asio::awaitable<void> probe_upstream_once(Provider& primary) {
  // Nothing to reach; a fleet probes every backend itself from the start (/health shows them).
  if (primary.kind() == "mock" || primary.kind() == "fleet") co_return;
  auto health = co_await primary.health();
  if (!health) {
    if (health.error().kind == ErrorKind::kCancelled) co_return;
    spdlog::warn(
        "{} at {} did not answer the start-up probe ({}): {}; requests get 502 until it "
        "does",
        primary.kind(), primary.base_url(), health.error().message, what_to_check(primary.kind()));
    co_return;
  }
  if (!health->reachable) {
    spdlog::warn("{} at {} is not ready ({}): {}; requests get 502/503 until it is", primary.kind(),
                 primary.base_url(), health->detail, what_to_check(primary.kind()));
    co_return;
  }
  const auto ms = std::chrono::duration<double, std::milli>(health->latency).count();
  spdlog::info("{} at {} is reachable ({:.1f} ms); loaded: {}", primary.kind(), primary.base_url(),
               ms,
               health->loaded_models.empty() ? std::string("none reported")
                                             : join(health->loaded_models, 8));
}

}  // namespace roci::server
