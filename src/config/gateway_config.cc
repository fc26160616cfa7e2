#include "config/gateway_config.h"

#include "config/backend_list.h"
#include "config/config_keys.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace roci::config {
namespace {

using detail::ConfigKey;
using detail::Parsed;

// Parses, checks and applies values from one source, collecting problems.
class Overlay {
 public:
  Overlay(GatewayConfig& config, std::vector<ConfigProblem>& problems)
      : config_(config), problems_(problems) {}

  // `name` is what the problem names (key path or env name); `where` is appended to the message.
  void apply(const ConfigKey& key, const Parsed& parsed, const std::string& name,
             const std::string& where) {
    if (!parsed.value) return problem(name, parsed.error + where);
    if (key.check) {
      if (auto why = key.check(*parsed.value); !why.empty()) {
        return problem(name, why + where);  // checks of secret keys never quote the value
      }
    }
    detail::assign(config_, key, *parsed.value);
  }

  void problem(std::string key, std::string why) {
    problems_.push_back({std::move(key), std::move(why)});
  }

  GatewayConfig& config() { return config_; }
  std::vector<ConfigProblem>& problems() { return problems_; }

 private:
  GatewayConfig& config_;
  std::vector<ConfigProblem>& problems_;
};

std::vector<std::string> key_paths() {
  std::vector<std::string> paths;
  for (const auto& k : detail::config_keys()) paths.push_back(k.path);
  return paths;
}

std::vector<std::string> env_names() {
  std::vector<std::string> names;
  for (const auto& k : detail::config_keys()) names.push_back(k.env);
  return names;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  const auto best = detail::closest(name, candidates);
  return best.empty() ? "" : "; did you mean " + best + "?";
}

std::string_view node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "a scalar";
  }
}

// Walks a YAML file against the key table.
class YamlReader {
 public:
  YamlReader(std::string file, Overlay& overlay) : file_(std::move(file)), overlay_(overlay) {}

  void read(const YAML::Node& root) {
    if (root.IsNull()) return;  // an empty file: defaults
    if (!root.IsMap()) {
      return overlay_.problem(file_,
                              "expected a mapping of sections (server, inference, limits, "
                              "log) at the top level" +
                                  at(root));
    }
    read_section(root, "");
  }

 private:
  std::string at(const YAML::Node& node) const {
    const auto mark = node.Mark();
    if (mark.is_null()) return " (" + file_ + ")";
    return " (" + file_ + ":" + std::to_string(mark.line + 1) + ")";
  }

  void read_section(const YAML::Node& map, const std::string& prefix) {
    for (const auto& entry : map) {
      const YAML::Node& name = entry.first;
      const YAML::Node& value = entry.second;
      if (!name.IsScalar()) {
        overlay_.problem(prefix.empty() ? file_ : prefix, "keys must be plain names" + at(name));
        continue;
      }
      const std::string path = prefix.empty() ? name.Scalar() : prefix + "." + name.Scalar();
      if (name.Scalar().find('.') != std::string::npos) {
        overlay_.problem(path, "unknown key (nest sections instead of dotted names)" + at(name));
      } else if (!seen_.insert(path).second) {
        overlay_.problem(path, "duplicate key" + at(name));
      } else if (path == detail::kBackendsPath) {
        detail::read_backends(value, file_, overlay_.config(), overlay_.problems());
      } else if (const ConfigKey* key = detail::find_key(path)) {
        read_value(*key, value);
      } else if (detail::is_section(path)) {
        if (value.IsMap()) {
          read_section(value, path);
        } else if (!value.IsNull()) {
          overlay_.problem(path,
                           "expected a mapping, got " + std::string(node_kind(value)) + at(value));
        }
      } else {
        overlay_.problem(path, "unknown key" + did_you_mean(path, key_paths()) + at(name));
      }
    }
  }

  void read_value(const ConfigKey& key, const YAML::Node& node) {
    const bool is_list =
        std::holds_alternative<detail::Accessor<std::vector<std::string>>>(key.field);
    const auto mismatch = [&] {
      return Parsed{std::nullopt, "expected " + std::string(detail::type_name(key)) + ", got " +
                                      std::string(node_kind(node))};
    };
    Parsed parsed;
    if (node.IsNull()) {
      parsed = detail::null_value(key);
    } else if (is_list) {
      parsed = node.IsSequence() ? read_list(key, node) : mismatch();
    } else {
      parsed = node.IsScalar() ? detail::parse_value(key, node.Scalar()) : mismatch();
    }
    overlay_.apply(key, parsed, key.path, at(node));
  }

  Parsed read_list(const ConfigKey& key, const YAML::Node& node) {
    std::vector<std::string> items;
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        return {std::nullopt,
                "expected a list of strings, got " + std::string(node_kind(item)) + " as an item"};
      }
      items.push_back(item.Scalar());
    }
    return {detail::list_value(std::move(items)), {}};
  }

  std::string file_;
  Overlay& overlay_;
  std::set<std::string> seen_;
};

void read_file(const std::string& path, Overlay& overlay) {
  if (path.empty()) return overlay.problem("--config", "empty file name");
  std::ifstream in(path, std::ios::binary);
  if (!in) return overlay.problem(path, std::string("cannot read: ") + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return overlay.problem(path, "cannot read: I/O error");
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    const std::string line = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    return overlay.problem(path, "invalid YAML: " + e.msg + " (" + path + line + ")");
  }
  YamlReader(path, overlay).read(root);
}

void read_env(const std::map<std::string, std::string>& env, Overlay& overlay) {
  for (const auto& [name, text] : env) {
    if (!name.starts_with(kEnvPrefix)) continue;
    const ConfigKey* key = detail::find_key_by_env(name);
    if (!key && name == detail::env_name_for(detail::kBackendsPath)) {
      overlay.problem(name,
                      "inference.backends is read from the config file only (a list of "
                      "hosts does not fit one variable)");
      continue;
    }
    if (!key) {
      std::string known;
      for (const auto& n : env_names()) known += (known.empty() ? "" : ", ") + n;
      overlay.problem(
          name, "unknown variable" + did_you_mean(name, env_names()) + " (known: " + known + ")");
      continue;
    }
    overlay.apply(*key, detail::parse_value(*key, text), name, "");
  }
}

void read_flags(const std::map<std::string, std::string>& flags, Overlay& overlay) {
  for (const auto& [path, text] : flags) {
    const ConfigKey* key = detail::find_key(path);
    if (!key) {
      overlay.problem(path, "unknown key" + did_you_mean(path, key_paths()) + " (command line)");
      continue;
    }
    overlay.apply(*key, detail::parse_value(*key, text), path, " (command line)");
  }
}

// auth.api_keys_file: one key per line; blank lines and `#` comments ignored. Appends the keys;
// returns "" or why the file is unusable (never quoting a key).
std::string read_api_keys_file(const std::string& path, std::vector<std::string>& keys) {
  std::ifstream in(path);
  if (!in) return "cannot read \"" + path + "\": " + std::strerror(errno);
  std::string line;
  std::size_t found = 0;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const std::string key = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    for (char c : key) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f || c == ',') {
        return "line " + std::to_string(number) + " of \"" + path +
               "\": a key must not contain spaces, commas or control characters";
      }
    }
    keys.push_back(key);
    ++found;
  }
  if (in.bad()) return "cannot read \"" + path + "\": I/O error";
  if (found == 0) {
    return "\"" + path +
           "\" contains no keys (one key per line; blank lines and # comments are ignored)";
  }
  return "";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> known_config_keys() {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& k : detail::config_keys()) keys.emplace_back(k.path, k.env);
  return keys;
}

ConfigResult load_gateway_config(const ConfigSources& sources) {
  GatewayConfig config;
  std::vector<ConfigProblem> problems;
  Overlay overlay(config, problems);
  if (sources.file) read_file(*sources.file, overlay);
  read_env(sources.env, overlay);
  read_flags(sources.flags, overlay);

  auto& inference = config.inference;
  if (inference.provider == "openai" && inference.api_key.empty()) {
    if (auto it = sources.env.find(std::string(kOpenAiKeyEnv)); it != sources.env.end()) {
      inference.api_key = it->second;
    }
  }
  detail::resolve_backend_keys(config, sources.env, problems);
  if (const std::string& file = config.auth.api_keys_file; !file.empty()) {
    if (auto why = read_api_keys_file(file, config.auth.api_keys); !why.empty()) {
      problems.push_back({"auth.api_keys_file", std::move(why)});
    }
  }
  for (auto& p : validate_gateway_config(config)) problems.push_back(std::move(p));
  if (!inference.http.ca_file.empty() && !std::ifstream(inference.http.ca_file)) {
    problems.push_back({"inference.http.ca_file",
                        "cannot read \"" + inference.http.ca_file + "\": " + std::strerror(errno)});
  }
  if (!problems.empty()) return {std::nullopt, std::move(problems)};
  return {std::move(config), {}};
}

std::vector<ConfigProblem> validate_gateway_config(const GatewayConfig& config) {
  std::vector<ConfigProblem> problems;
  for (const auto& key : detail::config_keys()) {
    if (!key.check) continue;
    if (auto why = key.check(detail::read(config, key)); !why.empty()) {
      problems.push_back({key.path, why});
    }
  }
  const auto& inference = config.inference;
  for (auto& p : detail::validate_backends(config)) problems.push_back(std::move(p));
  if (inference.backends.empty() && inference.provider == "openai" && inference.api_key.empty()) {
    problems.push_back({"inference.api_key", "the openai provider needs a key: set " +
                                                 std::string(kOpenAiKeyEnv) +
                                                 " or inference.api_key"});
  }
  const auto& allowed = inference.allowed_models;
  if (!inference.default_model.empty() && !allowed.empty() &&
      std::find(allowed.begin(), allowed.end(), inference.default_model) == allowed.end()) {
    problems.push_back({"inference.default_model",
                        "\"" + inference.default_model + "\" is not in inference.allowed_models"});
  }
  if (inference.default_max_tokens > config.limits.max_tokens_ceiling) {
    problems.push_back({"inference.default_max_tokens",
                        std::to_string(inference.default_max_tokens) +
                            " exceeds limits.max_tokens_ceiling (" +
                            std::to_string(config.limits.max_tokens_ceiling) + ")"});
  }
  return problems;
}

}  // namespace roci::config
