// inference.backends: the fleet's host list (private to src/config). A list of mappings does not
// fit the scalar key table (config_keys.h), so it is read, checked and printed here; each item's
// scalar fields still go through the table's checks (inference.provider, inference.base_url,
// inference.http.*), so a backend accepts exactly what the single-upstream keys accept.
//
//   read_backends(node, "gw.yaml", config, problems);         // YAML -> config.inference.backends
//   resolve_backend_keys(config, env, problems);               // api_key_env -> api_key
//   for (auto& p : validate_backends(config)) report(p);       // names, URLs, kinds, cross-keys
#pragma once

#include "config/gateway_config.h"

#include <map>
#include <string>
#include <vector>

namespace YAML {
class Node;
class Emitter;
}  // namespace YAML

namespace roci::config::detail {

inline constexpr std::string_view kBackendsPath = "inference.backends";

// Reads the YAML sequence into config.inference.backends (each item's position in `where`).
// Shape errors (not a list, not a mapping, unknown field, wrong type) are problems naming
// "inference.backends[N].field" and file:line.
void read_backends(const YAML::Node& node, const std::string& file, GatewayConfig& config,
                   std::vector<ConfigProblem>& problems);

// Fills each backend's api_key from its api_key_env variable in `env`; an unset or empty
// variable is a problem naming both.
void resolve_backend_keys(GatewayConfig& config, const std::map<std::string, std::string>& env,
                          std::vector<ConfigProblem>& problems);

// Every problem of the list at once: names (present, [a-z0-9_-]+, unique, not a provider kind),
// kinds, base URLs (valid, required except for mock, none twice), http overrides, keys, plus
// the cross-key rules (backends with inference.base_url; routing.spill_queue_depth below
// limits.max_queue).
std::vector<ConfigProblem> validate_backends(const GatewayConfig& config);

// Writes the "backends" key and list into the open inference map (nothing when empty).
void emit_backends(YAML::Emitter& out, const GatewayConfig& config);

}  // namespace roci::config::detail
