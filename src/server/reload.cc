#include "server/reload.h"

#include "server/gateway.h"
#include "server/live_config.h"
#include "server/observability/logging.h"

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

namespace roci::server {
namespace {

bool refuse(const std::vector<config::ConfigProblem>& problems, std::uint64_t generation) {
  for (const auto& p : problems) spdlog::error("reload: {}: {}", p.key, p.why);
  spdlog::error(
      "reload refused: {} problem{} in the new configuration; still serving configuration "
      "generation {}",
      problems.size(), problems.size() == 1 ? "" : "s", generation);
  return false;
}

}  // namespace

bool reload_gateway(Gateway& gateway, const config::ConfigSources& sources) {
  const auto running = gateway.live_config();
  config::ConfigResult loaded = config::load_gateway_config(sources);
  if (!loaded) return refuse(loaded.problems, running->generation);
  config::GatewayConfig& next = *loaded.config;
  if (auto checked = gateway.check(next); !checked) {
    return refuse({{"inference.provider", checked.error().message}}, running->generation);
  }
  if (auto why = configure_logging(next.log); !why.empty()) {
    return refuse({{"log.file", why}}, running->generation);
  }
  const auto changes = config::diff_config(running->config, next);
  std::string changed;
  for (const auto& c : changes) {
    if (c.needs_restart) {
      spdlog::warn(
          "reload: {} changed ({} -> {}) but takes effect only after a restart; it stays "
          "{} until then",
          c.key, c.before, c.after, c.before);
    } else {
      changed += (changed.empty() ? "" : ", ") + c.key;
    }
  }
  // The list is no key of diff_config's: a changed list gets a new Fleet (Gateway::apply).
  config::GatewayConfig list_only = running->config;
  list_only.inference.backends = next.inference.backends;
  if (!same_fleet(running->config, list_only)) {
    changed += (changed.empty() ? "" : ", ") + std::string("inference.backends");
  }
  const std::uint64_t generation = gateway.apply(std::move(next));
  spdlog::info("configuration reloaded: generation {}; {}", generation,
               changed.empty() ? std::string("no setting changed") : "changed: " + changed);
  return true;
}

}  // namespace roci::server
