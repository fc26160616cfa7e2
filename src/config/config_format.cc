// Presentation of a configuration: problems, the effective config dump, the environment, and the
// effective upstream deadlines.
#include "config/backend_list.h"
#include "config/config_keys.h"
#include "config/gateway_config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string_view>
#include <utility>

extern char** environ;  // NOLINT: POSIX

namespace roci::config {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = path.find('.', start);
    parts.emplace_back(path.substr(start, dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

void emit_value(YAML::Emitter& out, const detail::Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, long long>) {
          out << v;
        } else if constexpr (std::is_same_v<T, double>) {
          out << detail::render(v);  // shortest round-trip form: 0.7, not 0.69999999999999996
        } else if constexpr (std::is_same_v<T, std::string>) {
          out << YAML::DoubleQuoted << v;
        } else {
          out << YAML::Flow << YAML::BeginSeq;
          for (const auto& item : v) out << YAML::DoubleQuoted << item;
          out << YAML::EndSeq;
        }
      },
      value);
}

}  // namespace

std::string format_problems(const std::vector<ConfigProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.key + ": " + p.why + "\n";
  return out;
}

std::string describe_effective_config(const GatewayConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::vector<std::string> open;  // sections currently open, outermost first
  for (const auto& key : detail::config_keys()) {
    auto parts = split_path(key.path);
    const std::string leaf = parts.back();
    parts.pop_back();
    std::size_t common = 0;
    while (common < open.size() && common < parts.size() && open[common] == parts[common]) {
      ++common;
    }
    for (; open.size() > common; open.pop_back()) {
      if (open.size() == 1 && open[0] == "inference") detail::emit_backends(out, config);
      out << YAML::EndMap;
    }
    for (; open.size() < parts.size(); open.push_back(parts[open.size()])) {
      out << YAML::Key << parts[open.size()] << YAML::Value << YAML::BeginMap;
    }
    out << YAML::Key << leaf << YAML::Value;
    if (key.secret) {
      out << detail::secret_placeholder(detail::read(config, key));
    } else {
      emit_value(out, detail::read(config, key));
    }
  }
  for (; !open.empty(); open.pop_back()) {
    if (open.size() == 1 && open[0] == "inference") detail::emit_backends(out, config);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::vector<ConfigChange> diff_config(const GatewayConfig& before, const GatewayConfig& after) {
  std::vector<ConfigChange> changes;
  for (const auto& key : detail::config_keys()) {
    const detail::Value a = detail::read(before, key);
    const detail::Value b = detail::read(after, key);
    if (a == b) continue;
    ConfigChange change{.key = key.path, .needs_restart = key.restart};
    if (key.secret) {
      change.before = detail::secret_placeholder(a);
      change.after = detail::secret_placeholder(b);
      if (change.before == change.after) change.after += ", changed";
    } else {
      change.before = detail::render(a);
      change.after = detail::render(b);
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

void keep_restart_values(GatewayConfig& next, const GatewayConfig& running) {
  for (const auto& key : detail::config_keys()) {
    if (key.restart) detail::assign(next, key, detail::read(running, key));
  }
}

std::map<std::string, std::string> environ_map() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return env;
}

std::chrono::seconds request_timeout(const HttpSection& http) {
  return std::chrono::seconds(http.timeout_secs);
}

std::chrono::seconds connect_timeout(const HttpSection& http) {
  return std::chrono::seconds(http.connect_timeout_secs);
}

std::chrono::seconds first_byte_timeout(const HttpSection& http) {
  return std::chrono::seconds(http.first_byte_timeout_secs > 0 ? http.first_byte_timeout_secs
                                                               : http.timeout_secs);
}

std::chrono::seconds stream_idle_timeout(const HttpSection& http) {
  return std::chrono::seconds(http.stream_idle_timeout_secs > 0 ? http.stream_idle_timeout_secs
                                                                : http.timeout_secs);
}

std::chrono::seconds stream_timeout(const HttpSection& http) {
  return std::chrono::seconds(http.stream_timeout_secs);
}

std::chrono::seconds keep_alive(const HttpSection& http) {
  return std::chrono::seconds(http.keep_alive_secs);
}

std::string http_option_key(std::string_view member) {
  static constexpr std::pair<std::string_view, std::string_view> kKeys[] = {
      {"connect_timeout", "inference.http.connect_timeout_secs"},
      {"first_byte_timeout", "inference.http.first_byte_timeout_secs"},
      {"idle_timeout", "inference.http.stream_idle_timeout_secs"},
      {"request_timeout", "inference.http.timeout_secs"},
      {"stream_timeout", "inference.http.stream_timeout_secs"},
      {"keep_alive", "inference.http.keep_alive_secs"},
      {"max_idle_connections", "inference.http.max_idle_connections"},
      {"ca_file", "inference.http.ca_file"},
      {"max_retries", "inference.http.max_retries"},
      {"retry_backoff", "inference.http.retry_backoff_ms"},
  };
  for (const auto& [name, key] : kKeys) {
    if (name == member) return std::string(key);
  }
  // A fixed limit of the gateway (no key): the SDK's name says which one.
  return "HttpOptions::" + std::string(member);
}

roci::HttpOptions to_http_options(const HttpSection& http) {
  roci::HttpOptions options;
  options.option_name = &http_option_key;
  options.connect_timeout = connect_timeout(http);
  options.first_byte_timeout = first_byte_timeout(http);
  options.idle_timeout = stream_idle_timeout(http);
  options.request_timeout = request_timeout(http);
  options.stream_timeout = stream_timeout(http);
  options.keep_alive = keep_alive(http);
  options.max_idle_connections = static_cast<std::size_t>(std::max(0, http.max_idle_connections));
  options.ca_file = http.ca_file;
  options.max_retries = http.max_retries;
  options.retry_backoff = std::chrono::milliseconds(http.retry_backoff_ms);
  return options;
}

}  // namespace roci::config
