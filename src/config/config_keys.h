// The one table of configuration keys (private to src/config).
//
//   const ConfigKey* key = find_key_by_env("INFERENCE_SERVER_PORT");   // -> "server.port"
//   auto value = parse_value(*key, "8080");                           // text from env or a flag
//   if (!value.error.empty()) report(value.error);
//   else if (auto why = key->check(*value.value); !why.empty()) report(why);
//   else assign(config, *key, *value.value);
//
// YAML, environment and flags all go through this table: a key is declared once with where it lives
// in GatewayConfig and the rule its value must satisfy.
#pragma once

#include "config/gateway_config.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace roci::config::detail {

// A parsed value; integers of every width travel as long long, sizes included.
using Value = std::variant<bool, long long, double, std::string, std::vector<std::string>>;

template <class T>
using Accessor = T& (*)(GatewayConfig&);

// Where a key lives in GatewayConfig; the alternative fixes how its text is parsed.
using Field = std::variant<Accessor<bool>, Accessor<int>, Accessor<std::size_t>, Accessor<double>,
                           Accessor<std::string>, Accessor<std::vector<std::string>>>;

// Returns "" when the value is acceptable, else why not (it may quote the value, unless secret).
using Check = std::function<std::string(const Value&)>;

struct ConfigKey {
  std::string path;  // "inference.http.timeout_secs"
  std::string env;   // "INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS"
  Field field;
  Check check;
  bool secret = false;   // never echo the value
  bool restart = false;  // read once at start-up: a reload logs a change but cannot apply it
};

// Every key, grouped by section in the order describe_effective_config prints them.
const std::vector<ConfigKey>& config_keys();
const ConfigKey* find_key(std::string_view path);
const ConfigKey* find_key_by_env(std::string_view env_name);
// True for "server", "inference", "inference.http", ...: a proper prefix of some key path.
bool is_section(std::string_view path);

std::string env_name_for(std::string_view path);

struct Parsed {
  std::optional<Value> value;
  std::string error;  // set when value is empty
};
// Parses text (env, flag or YAML scalar; surrounding spaces ignored) as the key's type. Lists are
// comma-separated.
Parsed parse_value(const ConfigKey& key, std::string_view text);
// A value of the list type from YAML sequence items (each trimmed, empty items dropped).
Value list_value(std::vector<std::string> items);
// Null in YAML: "" for strings, [] for lists; an error for other types.
Parsed null_value(const ConfigKey& key);
// "an integer", "a list of strings", ...: the expected type, for messages.
std::string_view type_name(const ConfigKey& key);

Value read(const GatewayConfig& config, const ConfigKey& key);
void assign(GatewayConfig& config, const ConfigKey& key, const Value& value);

// What describe_effective_config prints for a secret value: "(set)" / "(not set)" for a string,
// "(1 key)" / "(2 keys)" / "(not set)" for a list. is_secret_placeholder: text it can print.
std::string secret_placeholder(const Value& value);
bool is_secret_placeholder(std::string_view text);

// The value for messages: quoted text, or "(hidden)" for secrets.
std::string quote(const ConfigKey& key, std::string_view text);
std::string render(const Value& value);  // canonical text: 0.7, true, a,b

// The nearest candidate by edit distance, or "" when none is close.
std::string closest(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace roci::config::detail
