// config_loader: load_gateway_config on the input as a YAML file, with environment variables and
// command-line flags taken from the input too.
//
// Input: <YAML text> [ '\0' <entry> ]...   where an entry is
//   NAME=VALUE      an environment variable (INFERENCE_*, OPENAI_API_KEY, anything else)
//   @N=VALUE        the env name of known_config_keys()[N % count] (finds every key quickly)
//   --PATH=VALUE    a command-line flag (key path)
//   %N=VALUE        the flag of known_config_keys()[N % count]
// load_gateway_config has no YAML-text API, so the text goes to a memfd (tmpfs fallback) that is
// reused across inputs and read through /proc/self/fd/N.
//
// Invariants: success <=> no problems, and a loaded config passes validate_gateway_config; every
// problem gives a reason; describe_effective_config of a loaded config loads back (its secret and
// api_keys_file lines removed, the keys given as OPENAI_API_KEY and INFERENCE_AUTH_API_KEYS) to the
// same description; no key (inference.api_key, auth.api_keys) appears in the description nor in a
// problem about the key.
#include "config/gateway_config.h"
#include "targets.h"
#include "targets/check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace roci::fuzz {
namespace {

using detail::as_view;

// A reusable in-memory file holding the YAML text of the current input.
class ScratchFile {
 public:
  ScratchFile() {
    fd_ = memfd_create("roci-fuzz-config", MFD_CLOEXEC);
    if (fd_ >= 0) {
      path_ = "/proc/self/fd/" + std::to_string(fd_);
      return;
    }
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/roci-fuzz-config-XXXXXX";
    fd_ = mkstemp(tmpl.data());
    FUZZ_CHECK(fd_ >= 0, "cannot create a scratch file for the config loader");
    path_ = tmpl;
    unlink_at_exit_ = path_;
  }
  ~ScratchFile() {
    if (!unlink_at_exit_.empty()) unlink(unlink_at_exit_.c_str());
    close(fd_);
  }

  const std::string& write(std::string_view text) {
    FUZZ_CHECK(ftruncate(fd_, 0) == 0, "ftruncate of the scratch file failed");
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = pwrite(fd_, text.data() + done, text.size() - done, off_t(done));
      FUZZ_CHECK(n > 0, "write to the scratch file failed");
      done += std::size_t(n);
    }
    return path_;
  }

 private:
  int fd_ = -1;
  std::string path_;
  std::string unlink_at_exit_;
};

ScratchFile& scratch() {
  static ScratchFile file;
  return file;
}

const std::vector<std::pair<std::string, std::string>>& keys() {  // (path, env name)
  static const auto all = config::known_config_keys();
  return all;
}

const std::string& key_by_index(std::string_view digits, bool env) {
  std::size_t n = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), n);
  const auto& k = keys()[n % keys().size()];
  return env ? k.second : k.first;
}

config::ConfigSources sources_from(std::string_view input, std::string* yaml) {
  config::ConfigSources sources;
  std::size_t nul = input.find('\0');
  *yaml = std::string(input.substr(0, nul));
  while (nul != std::string_view::npos) {
    const std::size_t start = nul + 1;
    nul = input.find('\0', start);
    const std::string_view entry =
        input.substr(start, nul == std::string_view::npos ? nul : nul - start);
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string_view name = entry.substr(0, eq);
    const std::string value(entry.substr(eq + 1));
    if (name.starts_with("--")) {
      sources.flags[std::string(name.substr(2))] = value;
    } else if (name.starts_with("@")) {
      sources.env[key_by_index(name.substr(1), true)] = value;
    } else if (name.starts_with("%")) {
      sources.flags[key_by_index(name.substr(1), false)] = value;
    } else {
      sources.env[std::string(name)] = value;
    }
  }
  return sources;
}

// Without the secret lines (inference.api_key, auth.api_keys) and auth.api_keys_file (its keys
// are in auth.api_keys already, and the scratch file it may name is overwritten).
std::string without_api_key_line(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    const auto indent = line.find_first_not_of(' ');
    const auto starts = [&](std::string_view prefix) {
      return indent != std::string::npos && line.compare(indent, prefix.size(), prefix) == 0;
    };
    if (!starts("api_key:") && !starts("api_keys:") && !starts("api_keys_file:")) {
      out += line + "\n";
    }
  }
  return out;
}

std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

void check_result(const config::ConfigResult& r) {
  FUZZ_CHECK(r.config.has_value() == r.problems.empty(),
             "load_gateway_config: a config together with problems, or neither");
  // The key may be empty: an empty YAML key (`"": 1`) is reported under its own (empty) name.
  for (const auto& p : r.problems) {
    FUZZ_CHECK(!p.why.empty(), "a problem without a reason: " + config::format_problems({p}));
  }
}

// The api key given in env or flags must not be quoted by any problem. A key can coincide with
// constant text (a known variable name), so the problems are compared with those of a load whose
// keys were replaced by other text of the same shape: the key may occur no more often.
void check_secrets_not_quoted(const config::ConfigSources& sources,
                              const config::ConfigResult& result) {
  if (result.problems.empty()) return;
  const std::pair<bool, std::string> slots[] = {{true, "INFERENCE_INFERENCE_API_KEY"},
                                                {true, std::string(config::kOpenAiKeyEnv)},
                                                {false, "inference.api_key"},
                                                {true, "INFERENCE_AUTH_API_KEYS"},
                                                {false, "auth.api_keys"}};
  config::ConfigSources masked = sources;
  std::vector<std::string> secrets;
  for (const auto& [env, name] : slots) {
    auto& values = env ? masked.env : masked.flags;
    auto it = values.find(name);
    if (it == values.end()) continue;
    // A list of keys is comma-separated: each item is a secret (commas keep the list's shape).
    for (std::size_t start = 0; start <= it->second.size();) {
      const std::size_t comma = std::min(it->second.find(',', start), it->second.size());
      std::string item = it->second.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(" \t\r\n"));
      item.erase(item.find_last_not_of(" \t\r\n") + 1);
      if (item.size() >= 8) secrets.push_back(std::move(item));
      start = comma + 1;
    }
    for (char& c : it->second) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',') c = c == 'x' ? 'y' : 'x';
    }
  }
  if (secrets.empty()) return;
  const std::string with_keys = config::format_problems(result.problems);
  const std::string without_keys =
      config::format_problems(config::load_gateway_config(masked).problems);
  for (const auto& secret : secrets) {
    FUZZ_CHECK(count(with_keys, secret) <= count(without_keys, secret),
               "a problem quotes the api key:\n" + with_keys);
  }
}

}  // namespace

void fuzz_config_loader(const std::uint8_t* data, std::size_t size) {
  std::string yaml;
  config::ConfigSources sources = sources_from(as_view(data, size), &yaml);
  sources.file = scratch().write(yaml);

  const config::ConfigResult result = config::load_gateway_config(sources);
  check_result(result);
  check_secrets_not_quoted(sources, result);
  if (!result) return;

  const config::GatewayConfig& cfg = *result.config;
  FUZZ_CHECK(config::validate_gateway_config(cfg).empty(),
             "a loaded config fails validate_gateway_config");
  (void)config::to_http_options(cfg.inference.http);

  const std::string described = config::describe_effective_config(cfg);
  const std::string& key = cfg.inference.api_key;
  if (key.size() >= 4) {
    config::GatewayConfig cleared = cfg;
    cleared.inference.api_key.clear();
    FUZZ_CHECK(count(described, key) == count(config::describe_effective_config(cleared), key),
               "describe_effective_config shows the api_key:\n" + described);
  }

  std::string auth_keys;  // comma-joined: a key has no comma (the key check refuses them)
  for (const auto& k : cfg.auth.api_keys) {
    auth_keys += (auth_keys.empty() ? "" : ",") + k;
    if (k.size() < 4) continue;
    config::GatewayConfig cleared = cfg;  // as many keys, none of them this one
    cleared.auth.api_keys.assign(cfg.auth.api_keys.size(), std::string());
    FUZZ_CHECK(count(described, k) == count(config::describe_effective_config(cleared), k),
               "describe_effective_config shows an auth.api_keys key:\n" + described);
  }

  // The dump loads back to the same configuration.
  config::ConfigSources again;
  again.file = scratch().write(without_api_key_line(described));
  if (!key.empty()) again.env["OPENAI_API_KEY"] = key;
  if (!auth_keys.empty()) again.env["INFERENCE_AUTH_API_KEYS"] = auth_keys;
  const config::ConfigResult reloaded = config::load_gateway_config(again);
  check_result(reloaded);
  FUZZ_CHECK(reloaded.config.has_value(), "describe_effective_config does not load back:\n" +
                                              described + "problems:\n" +
                                              config::format_problems(reloaded.problems));
  const std::string redescribed = config::describe_effective_config(*reloaded.config);
  FUZZ_CHECK(without_api_key_line(redescribed) == without_api_key_line(described),
             "describe_effective_config does not round-trip:\n--- first\n" + described +
                 "--- reloaded\n" + redescribed);
}

}  // namespace roci::fuzz
