#include "config/backend_list.h"

#include "config/config_keys.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

namespace roci::config::detail {
namespace {

constexpr std::string_view kFields[] = {"name",           "base_url",    "provider",
                                        "max_concurrent", "api_key_env", "http"};
constexpr std::string_view kHttpPrefix = "inference.http.";

std::string item_path(std::size_t index, std::string_view field = {}) {
  std::string path = std::string(kBackendsPath) + "[" + std::to_string(index) + "]";
  if (!field.empty()) path.append(".").append(field);
  return path;
}

std::string position(const std::string& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  if (mark.is_null()) return file;
  return file + ":" + std::to_string(mark.line + 1);
}

std::string suffix(const std::string& where) { return where.empty() ? "" : " (" + where + ")"; }

std::vector<std::string> field_names() { return {std::begin(kFields), std::end(kFields)}; }

std::vector<std::string> http_leaves() {
  std::vector<std::string> leaves;
  for (const auto& k : config_keys()) {
    if (k.path.starts_with(kHttpPrefix)) leaves.push_back(k.path.substr(kHttpPrefix.size()));
  }
  return leaves;
}

// One item of the list: a mapping of scalar fields (and the `http` mapping).
class ItemReader {
 public:
  ItemReader(std::size_t index, const std::string& file, std::vector<ConfigProblem>& problems)
      : index_(index), file_(file), problems_(problems) {}

  std::optional<BackendSection> read(const YAML::Node& item) {
    BackendSection backend;
    backend.where = position(file_, item);
    if (!item.IsMap()) {
      problem(item_path(index_), "expected a mapping with name and base_url", item);
      return std::nullopt;
    }
    for (const auto& entry : item) {
      const std::string field = entry.first.IsScalar() ? entry.first.Scalar() : "";
      const YAML::Node& value = entry.second;
      if (field == "http") {
        read_http(value, backend);
      } else if (std::find(std::begin(kFields), std::end(kFields), field) == std::end(kFields)) {
        const std::string best = closest(field, field_names());
        problem(item_path(index_, field),
                "unknown field" + (best.empty() ? "" : "; did you mean " + best + "?") +
                    " (fields: name, base_url, provider, max_concurrent, api_key_env, http)",
                entry.first);
      } else if (!value.IsScalar()) {
        problem(item_path(index_, field), "expected a scalar", value);
      } else if (field == "max_concurrent") {
        read_max_concurrent(value, backend);
      } else {
        scalar_field(backend, field) = value.Scalar();
      }
    }
    return backend;
  }

 private:
  static std::string& scalar_field(BackendSection& b, std::string_view field) {
    if (field == "name") return b.name;
    if (field == "base_url") return b.base_url;
    if (field == "provider") return b.provider;
    return b.api_key_env;
  }

  void read_max_concurrent(const YAML::Node& value, BackendSection& backend) {
    const std::string& text = value.Scalar();
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n < 1 || n > 100000) {
      problem(item_path(index_, "max_concurrent"),
              "must be an integer between 1 and 100000, got \"" + text + "\"", value);
      return;
    }
    backend.max_concurrent = n;
  }

  void read_http(const YAML::Node& value, BackendSection& backend) {
    if (value.IsNull()) return;
    if (!value.IsMap()) return problem(item_path(index_, "http"), "expected a mapping", value);
    for (const auto& entry : value) {
      const std::string leaf = entry.first.IsScalar() ? entry.first.Scalar() : "";
      const std::string path = item_path(index_, "http." + leaf);
      if (find_key(std::string(kHttpPrefix) + leaf) == nullptr) {
        const std::string best = closest(leaf, http_leaves());
        problem(path, "unknown key" + (best.empty() ? "" : "; did you mean http." + best + "?"),
                entry.first);
      } else if (!entry.second.IsScalar()) {
        problem(path, "expected a scalar", entry.second);
      } else {
        backend.http_overrides[leaf] = entry.second.Scalar();
      }
    }
  }

  void problem(std::string key, const std::string& why, const YAML::Node& node) {
    problems_.push_back({std::move(key), why + " (" + position(file_, node) + ")"});
  }

  std::size_t index_;
  const std::string& file_;
  std::vector<ConfigProblem>& problems_;
};

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The URL as compared for "no base URL twice": lower-case, no trailing '/', default port spelled.
std::string url_identity(std::string url) {
  std::transform(url.begin(), url.end(), url.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (url.ends_with('/')) url.pop_back();
  if (url.ends_with("/v1")) url.resize(url.size() - 3);
  return url;
}

std::string run_check(std::string_view key_path, Value value) {
  const ConfigKey* key = find_key(key_path);
  return key != nullptr && key->check ? key->check(value) : "";
}

// The backend's inference.http overrides over `base`; problems name the item's field.
HttpSection apply_http_overrides(const BackendSection& b, std::size_t index,
                                 const HttpSection& base, std::vector<ConfigProblem>* problems) {
  GatewayConfig scratch;
  scratch.inference.http = base;
  for (const auto& [leaf, text] : b.http_overrides) {
    const ConfigKey* key = find_key(std::string(kHttpPrefix) + leaf);
    if (key == nullptr) continue;  // reported while reading
    Parsed parsed = parse_value(*key, text);
    std::string why = parsed.value ? (key->check ? key->check(*parsed.value) : "") : parsed.error;
    if (!why.empty()) {
      if (problems) problems->push_back({item_path(index, "http." + leaf), why + suffix(b.where)});
      continue;
    }
    assign(scratch, *key, *parsed.value);
  }
  return scratch.inference.http;
}

void check_item(const GatewayConfig& config, std::size_t i, const std::string& kind,
                std::vector<ConfigProblem>& problems) {
  const BackendSection& b = config.inference.backends[i];
  auto add = [&](std::string_view field, const std::string& why) {
    problems.push_back({item_path(i, field), why + suffix(b.where)});
  };
  if (b.name.empty()) {
    add("name", "every backend needs a name ([a-z0-9_-], shown in logs and X-Roci-Backend)");
  } else if (!valid_name(b.name)) {
    add("name", "\"" + b.name + "\" may only contain a-z, 0-9, '_' and '-'");
  } else if (run_check("inference.provider", b.name).empty()) {
    add("name", "\"" + b.name +
                    "\" is a provider kind; a backend name must differ from the kinds, because "
                    "\"" +
                    b.name + ":model\" selects the kind");
  }
  if (auto why = run_check("inference.provider", kind); !why.empty()) add("provider", why);
  if (b.base_url.empty()) {
    if (kind != "mock") add("base_url", "every " + kind + " backend needs a base_url");
  } else if (auto why = run_check("inference.base_url", b.base_url); !why.empty()) {
    add("base_url", why);
  }
  if (!b.api_key_env.empty() && !valid_env_name(b.api_key_env)) {
    add("api_key_env", "\"" + b.api_key_env + "\" is not an environment variable name");
  }
  if (kind == "openai" && b.api_key_env.empty()) {
    add("api_key_env", "an openai backend needs a key: name the variable that holds it");
  }
  apply_http_overrides(b, i, config.inference.http, &problems);
}

}  // namespace

void read_backends(const YAML::Node& node, const std::string& file, GatewayConfig& config,
                   std::vector<ConfigProblem>& problems) {
  config.inference.backends.clear();
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    problems.push_back(
        {std::string(kBackendsPath), "expected a list of backends (- name: ..., base_url: ...) (" +
                                         position(file, node) + ")"});
    return;
  }
  std::size_t index = 0;
  for (const auto& item : node) {
    if (auto backend = ItemReader(index, file, problems).read(item)) {
      config.inference.backends.push_back(std::move(*backend));
    }
    ++index;
  }
  if (index == 0) {
    problems.push_back({std::string(kBackendsPath),
                        "is an empty list; remove it to use inference.provider/base_url (" +
                            position(file, node) + ")"});
  }
}

void resolve_backend_keys(GatewayConfig& config, const std::map<std::string, std::string>& env,
                          std::vector<ConfigProblem>& problems) {
  for (std::size_t i = 0; i < config.inference.backends.size(); ++i) {
    BackendSection& b = config.inference.backends[i];
    if (b.api_key_env.empty() || !valid_env_name(b.api_key_env)) continue;
    auto it = env.find(b.api_key_env);
    if (it == env.end() || it->second.empty()) {
      problems.push_back({item_path(i, "api_key_env"),
                          "the variable " + b.api_key_env + " is not set" + suffix(b.where)});
      continue;
    }
    b.api_key = it->second;
  }
}

std::vector<ConfigProblem> validate_backends(const GatewayConfig& config) {
  std::vector<ConfigProblem> problems;
  const auto& backends = config.inference.backends;
  if (backends.empty()) return problems;
  if (!config.inference.base_url.empty()) {
    problems.push_back({std::string(kBackendsPath),
                        "inference.backends and inference.base_url (\"" +
                            config.inference.base_url +
                            "\", from the file or INFERENCE_INFERENCE_BASE_URL) cannot both be "
                            "set: give each host its base_url in inference.backends"});
  }
  std::map<std::string, std::size_t> names;
  std::map<std::string, std::size_t> urls;
  for (std::size_t i = 0; i < backends.size(); ++i) {
    const BackendSection& b = backends[i];
    const std::string kind = b.provider.empty() ? config.inference.provider : b.provider;
    check_item(config, i, kind, problems);
    if (!b.name.empty()) {
      if (auto [it, fresh] = names.emplace(b.name, i); !fresh) {
        problems.push_back({item_path(i, "name"), "\"" + b.name + "\" is already the name of " +
                                                      item_path(it->second) +
                                                      "; names must be "
                                                      "unique" +
                                                      suffix(b.where)});
      }
    }
    if (!b.base_url.empty()) {
      if (auto [it, fresh] = urls.emplace(url_identity(b.base_url), i); !fresh) {
        problems.push_back({item_path(i, "base_url"),
                            "\"" + b.base_url + "\" is already the base_url of " +
                                item_path(it->second) + " (\"" + backends[it->second].name +
                                "\"); one host is one backend" + suffix(b.where)});
      }
    }
  }
  if (config.routing.spill_queue_depth >= config.limits.max_queue) {
    problems.push_back({"routing.spill_queue_depth",
                        std::to_string(config.routing.spill_queue_depth) +
                            " must be below limits.max_queue (" +
                            std::to_string(config.limits.max_queue) +
                            "): past the queue bound requests are refused, so they could "
                            "never spill"});
  }
  return problems;
}

void emit_backends(YAML::Emitter& out, const GatewayConfig& config) {
  const auto& backends = config.inference.backends;
  if (backends.empty()) return;
  out << YAML::Key << "backends" << YAML::Value << YAML::BeginSeq;
  for (const BackendSection& b : backends) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << b.name;
    out << YAML::Key << "base_url" << YAML::Value << YAML::DoubleQuoted << b.base_url;
    if (!b.provider.empty()) {
      out << YAML::Key << "provider" << YAML::Value << YAML::DoubleQuoted << b.provider;
    }
    if (b.max_concurrent > 0)
      out << YAML::Key << "max_concurrent" << YAML::Value << b.max_concurrent;
    if (!b.api_key_env.empty()) {
      out << YAML::Key << "api_key_env" << YAML::Value << YAML::DoubleQuoted << b.api_key_env;
    }
    if (!b.http_overrides.empty()) {
      out << YAML::Key << "http" << YAML::Value << YAML::BeginMap;
      for (const auto& [leaf, text] : b.http_overrides) {
        out << YAML::Key << leaf << YAML::Value << text;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

}  // namespace roci::config::detail

namespace roci::config {

std::vector<EffectiveBackend> effective_backends(const GatewayConfig& config) {
  const auto& inference = config.inference;
  std::vector<EffectiveBackend> out;
  if (inference.backends.empty()) {
    out.push_back({.name = std::string(kDefaultBackendName),
                   .provider = inference.provider,
                   .base_url = inference.base_url,
                   .api_key = inference.api_key,
                   .api_key_origin = "inference.api_key",
                   .max_concurrent = config.limits.max_concurrent_upstream,
                   .http = inference.http});
    return out;
  }
  for (std::size_t i = 0; i < inference.backends.size(); ++i) {
    const BackendSection& b = inference.backends[i];
    out.push_back({.name = b.name,
                   .provider = b.provider.empty() ? inference.provider : b.provider,
                   .base_url = b.base_url,
                   .api_key = b.api_key,
                   .api_key_origin = b.api_key_env,
                   .max_concurrent = b.max_concurrent > 0 ? b.max_concurrent
                                                          : config.limits.max_concurrent_upstream,
                   .http = detail::apply_http_overrides(b, i, inference.http, nullptr)});
  }
  return out;
}

}  // namespace roci::config
