#include "config/config_keys.h"

#include <roci/provider/registry.h>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <initializer_list>
#include <system_error>

namespace roci::config::detail {
namespace {

constexpr std::string_view kSpaces = " \t\r\n";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kSpaces);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpaces) - first + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// ---- checks
// ---------------------------------------------------------------------------------------

// describe_effective_config prints the key as "(set)" / "(not set)"; loading that dump back must
// not make the placeholder a key. Never quotes the value.
Check not_a_placeholder() {
  return [](const Value& v) -> std::string {
    const auto& s = std::get<std::string>(v);
    if (s != "(set)" && s != "(not set)") return "";
    return "is the placeholder printed by describe_effective_config; set the real key or remove it";
  };
}

Check at_least(long long min) {
  return [min](const Value& v) -> std::string {
    const long long n = std::get<long long>(v);
    return n >= min ? "" : "must be at least " + std::to_string(min) + ", got " + std::to_string(n);
  };
}

Check between(long long min, long long max) {
  return [min, max](const Value& v) -> std::string {
    const long long n = std::get<long long>(v);
    if (n >= min && n <= max) return "";
    return "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
           std::to_string(n);
  };
}

Check between_real(double min, double max) {
  return [min, max](const Value& v) -> std::string {
    const double x = std::get<double>(v);
    if (x >= min && x <= max) return "";
    return "must be between " + render(min) + " and " + render(max) + ", got " + render(x);
  };
}

Check positive_or_minus_one() {
  return [](const Value& v) -> std::string {
    const long long n = std::get<long long>(v);
    if (n >= 1 || n == -1) return "";
    return "must be at least 1, or -1 for no limit, got " + std::to_string(n);
  };
}

Check one_of(std::initializer_list<std::string_view> allowed) {
  return [names = std::vector<std::string>(allowed.begin(), allowed.end())](
             const Value& v) -> std::string {
    const auto& s = std::get<std::string>(v);
    if (std::find(names.begin(), names.end(), s) != names.end()) return "";
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : "|") + n;
    return "must be one of " + list + ", got \"" + s + "\"";
  };
}

// inference.provider: a kind the provider registry builds (the registry is the one list of them).
Check registered_provider() {
  return [](const Value& v) -> std::string {
    static const ProviderRegistry registry{RociConfig{}};  // the built-in kinds; reads no env
    const auto& s = std::get<std::string>(v);
    if (registry.contains(s)) return "";
    std::string list;
    for (auto name : registry.names()) list.append(list.empty() ? "" : "|").append(name);
    return "must be one of " + list + ", got \"" + s + "\"";
  };
}

Check not_empty() {
  return [](const Value& v) -> std::string {
    return std::get<std::string>(v).empty() ? "must not be empty" : "";
  };
}

// "" (the provider's default) or an absolute http(s) URL with a host and no credentials, query or
// fragment (the same rules as net::parse_base_url).
Check http_url() {
  return [](const Value& v) -> std::string {
    const auto& s = std::get<std::string>(v);
    if (s.empty()) return "";
    const std::string bad = "must be an http(s) URL like http://localhost:1234, got \"" + s + "\"";
    auto url = boost::urls::parse_absolute_uri(s);
    if (!url) return bad + " (" + url.error().message() + ")";
    const auto scheme = url->scheme_id();
    if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
      return bad + " (scheme must be http or https)";
    }
    if (url->encoded_host().empty()) return bad + " (no host)";
    if (url->has_port() && url->port_number() == 0) return bad + " (bad port)";
    if (url->has_userinfo()) return bad + " (credentials belong in inference.api_key)";
    if (url->has_query() || url->has_fragment()) return bad + " (no query or fragment allowed)";
    return "";
  };
}

// auth.api_keys: no placeholder printed by describe_effective_config ("(not set)", "(2 keys)"),
// nothing a header cannot carry. Never quotes a key.
Check api_key_list() {
  return [](const Value& v) -> std::string {
    const auto& keys = std::get<std::vector<std::string>>(v);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::string& k = keys[i];
      const std::string item = "item " + std::to_string(i + 1) + ": ";
      if (is_secret_placeholder(k)) {
        return item +
               "is the placeholder printed by describe_effective_config; set the real keys or "
               "remove the line";
      }
      for (char c : k) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == ',') {
          return item + "a key must not contain spaces, commas or control characters";
        }
      }
    }
    return "";
  };
}

// cors.allowed_origins: "*" or serialized origins (scheme://host[:port], as browsers send them).
Check origin_list() {
  return [](const Value& v) -> std::string {
    for (const auto& origin : std::get<std::vector<std::string>>(v)) {
      if (origin == "*") continue;
      const std::string bad = "\"" + origin +
                              "\" is not an origin: use \"*\" or scheme://host[:port] like "
                              "https://app.example.com (no path, no trailing slash)";
      auto url = boost::urls::parse_absolute_uri(origin);
      if (!url || url->encoded_host().empty() || !url->encoded_path().empty() ||
          url->has_userinfo() || url->has_query() || url->has_fragment()) {
        return bad;
      }
    }
    return "";
  };
}

// cors.allowed_headers: HTTP field names (RFC 9110 tokens).
Check header_names() {
  return [](const Value& v) -> std::string {
    static constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
    for (const auto& name : std::get<std::vector<std::string>>(v)) {
      for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) &&
            kTokenPunct.find(c) == std::string_view::npos) {
          return "\"" + name + "\" is not a header name";
        }
      }
    }
    return "";
  };
}

template <class T>
Field field(T& (*accessor)(GatewayConfig&)) {
  return accessor;
}

ConfigKey key(std::string path, Field f, Check check = {}, bool secret = false) {
  std::string env = env_name_for(path);
  return {std::move(path), std::move(env), std::move(f), std::move(check), secret};
}

// Keys the gateway reads once at start-up (the listeners, the threads, the shared admission
// queue): a reload reports their change and keeps the running value.
// Read once at start: the listeners, the threads, the shared admission queue, the Responses
// store's bounds and the web console's state.
constexpr std::string_view kRestartKeys[] = {"server.host",
                                             "server.port",
                                             "server.threads",
                                             "limits.max_concurrent_upstream",
                                             "limits.max_queue",
                                             "limits.queue_timeout_secs",
                                             "responses.store_max_entries",
                                             "responses.store_max_bytes",
                                             "responses.store_ttl_secs",
                                             "ui.enabled",
                                             "ui.log_content"};

std::vector<ConfigKey> mark_restart_keys(std::vector<ConfigKey> keys) {
  for (auto& k : keys) {
    k.restart = std::find(std::begin(kRestartKeys), std::end(kRestartKeys), k.path) !=
                std::end(kRestartKeys);
  }
  return keys;
}

std::vector<ConfigKey> make_keys() {
  using C = GatewayConfig;
  // clang-format off
  return mark_restart_keys({
    key("server.host", field(+[](C& c) -> auto& { return c.server.host; }), not_empty()),
    key("server.port", field(+[](C& c) -> auto& { return c.server.port; }), between(0, 65535)),
    key("server.threads", field(+[](C& c) -> auto& { return c.server.threads; }), between(0, 1024)),
    key("server.shutdown_grace_secs",
        field(+[](C& c) -> auto& { return c.server.shutdown_grace_secs; }), at_least(0)),
    key("server.request_header_timeout_secs",
        field(+[](C& c) -> auto& { return c.server.request_header_timeout_secs; }), at_least(1)),
    key("server.request_body_timeout_secs",
        field(+[](C& c) -> auto& { return c.server.request_body_timeout_secs; }), at_least(1)),
    key("server.idle_keep_alive_secs",
        field(+[](C& c) -> auto& { return c.server.idle_keep_alive_secs; }), at_least(1)),
    key("server.write_timeout_secs",
        field(+[](C& c) -> auto& { return c.server.write_timeout_secs; }), at_least(1)),

    key("inference.provider", field(+[](C& c) -> auto& { return c.inference.provider; }),
        registered_provider()),
    key("inference.base_url", field(+[](C& c) -> auto& { return c.inference.base_url; }),
        http_url()),
    key("inference.default_model",
        field(+[](C& c) -> auto& { return c.inference.default_model; })),
    key("inference.allowed_models",
        field(+[](C& c) -> auto& { return c.inference.allowed_models; })),
    key("inference.accept_model_mismatch",
        field(+[](C& c) -> auto& { return c.inference.accept_model_mismatch; })),
    key("inference.api_key", field(+[](C& c) -> auto& { return c.inference.api_key; }),
        not_a_placeholder(),
        /*secret=*/true),
    key("inference.default_max_tokens",
        field(+[](C& c) -> auto& { return c.inference.default_max_tokens; }),
        positive_or_minus_one()),
    key("inference.default_temperature",
        field(+[](C& c) -> auto& { return c.inference.default_temperature; }),
        between_real(0.0, 2.0)),
    key("inference.http.timeout_secs",
        field(+[](C& c) -> auto& { return c.inference.http.timeout_secs; }), at_least(1)),
    key("inference.http.connect_timeout_secs",
        field(+[](C& c) -> auto& { return c.inference.http.connect_timeout_secs; }), at_least(1)),
    key("inference.http.keep_alive_secs",
        field(+[](C& c) -> auto& { return c.inference.http.keep_alive_secs; }), at_least(1)),
    key("inference.http.max_idle_connections",
        field(+[](C& c) -> auto& { return c.inference.http.max_idle_connections; }), at_least(0)),
    key("inference.http.first_byte_timeout_secs",
        field(+[](C& c) -> auto& { return c.inference.http.first_byte_timeout_secs; }),
        at_least(0)),
    key("inference.http.stream_idle_timeout_secs",
        field(+[](C& c) -> auto& { return c.inference.http.stream_idle_timeout_secs; }),
        at_least(0)),
    key("inference.http.stream_timeout_secs",
        field(+[](C& c) -> auto& { return c.inference.http.stream_timeout_secs; }), at_least(1)),
    key("inference.http.ca_file", field(+[](C& c) -> auto& { return c.inference.http.ca_file; })),
    key("inference.http.max_retries",
        field(+[](C& c) -> auto& { return c.inference.http.max_retries; }), between(0, 10)),
    key("inference.http.retry_backoff_ms",
        field(+[](C& c) -> auto& { return c.inference.http.retry_backoff_ms; }), between(0, 60000)),
    key("inference.mock.models", field(+[](C& c) -> auto& { return c.inference.mock.models; })),
    key("inference.mock.completion_tokens",
        field(+[](C& c) -> auto& { return c.inference.mock.completion_tokens; }), at_least(1)),
    key("inference.mock.token_delay_ms",
        field(+[](C& c) -> auto& { return c.inference.mock.token_delay_ms; }), at_least(0)),

    key("limits.max_body_bytes",
        field(+[](C& c) -> auto& { return c.limits.max_body_bytes; }), at_least(1)),
    key("limits.max_header_bytes",
        field(+[](C& c) -> auto& { return c.limits.max_header_bytes; }), at_least(1)),
    key("limits.max_header_count",
        field(+[](C& c) -> auto& { return c.limits.max_header_count; }), at_least(1)),
    key("limits.max_concurrent_upstream",
        field(+[](C& c) -> auto& { return c.limits.max_concurrent_upstream; }), at_least(1)),
    key("limits.max_queue", field(+[](C& c) -> auto& { return c.limits.max_queue; }), at_least(1)),
    key("limits.queue_timeout_secs",
        field(+[](C& c) -> auto& { return c.limits.queue_timeout_secs; }), at_least(1)),
    key("limits.max_connections",
        field(+[](C& c) -> auto& { return c.limits.max_connections; }), at_least(1)),
    key("limits.max_messages",
        field(+[](C& c) -> auto& { return c.limits.max_messages; }), at_least(1)),
    key("limits.max_json_depth",
        field(+[](C& c) -> auto& { return c.limits.max_json_depth; }), at_least(1)),
    key("limits.max_string_bytes",
        field(+[](C& c) -> auto& { return c.limits.max_string_bytes; }), at_least(1)),
    key("limits.max_tokens_ceiling",
        field(+[](C& c) -> auto& { return c.limits.max_tokens_ceiling; }), at_least(1)),

    key("routing.probe_interval_secs",
        field(+[](C& c) -> auto& { return c.routing.probe_interval_secs; }), between(1, 3600)),
    key("routing.cooldown_secs",
        field(+[](C& c) -> auto& { return c.routing.cooldown_secs; }), between(1, 3600)),
    key("routing.spill_queue_depth",
        field(+[](C& c) -> auto& { return c.routing.spill_queue_depth; }), at_least(0)),
    key("responses.store_max_entries",
        field(+[](C& c) -> auto& { return c.responses.store_max_entries; }), at_least(0)),
    key("responses.store_max_bytes",
        field(+[](C& c) -> auto& { return c.responses.store_max_bytes; }), at_least(1)),
    key("responses.store_ttl_secs",
        field(+[](C& c) -> auto& { return c.responses.store_ttl_secs; }), at_least(1)),

    key("log.level", field(+[](C& c) -> auto& { return c.log.level; }),
        one_of({"error", "warn", "info", "debug", "trace"})),
    key("log.format", field(+[](C& c) -> auto& { return c.log.format; }),
        one_of({"text", "json"})),
    key("log.file", field(+[](C& c) -> auto& { return c.log.file; })),

    key("auth.api_keys", field(+[](C& c) -> auto& { return c.auth.api_keys; }), api_key_list(),
        /*secret=*/true),
    key("auth.api_keys_file", field(+[](C& c) -> auto& { return c.auth.api_keys_file; })),
    key("auth.public_health", field(+[](C& c) -> auto& { return c.auth.public_health; })),
    key("auth.public_metrics", field(+[](C& c) -> auto& { return c.auth.public_metrics; })),

    key("cors.allowed_origins", field(+[](C& c) -> auto& { return c.cors.allowed_origins; }),
        origin_list()),
    key("cors.allowed_headers", field(+[](C& c) -> auto& { return c.cors.allowed_headers; }),
        header_names()),
    key("cors.max_age_secs", field(+[](C& c) -> auto& { return c.cors.max_age_secs; }),
        between(0, 86400)),

    key("ui.enabled", field(+[](C& c) -> auto& { return c.ui.enabled; })),
    key("ui.log_content", field(+[](C& c) -> auto& { return c.ui.log_content; })),
  });
  // clang-format on
}

// ---- parsing
// --------------------------------------------------------------------------------------

template <class T>
struct Tag {};

std::optional<long long> to_integer(std::string_view text) {
  long long n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

std::optional<double> to_real(std::string_view text) {
  double x = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || !std::isfinite(x)) {
    return std::nullopt;
  }
  return x;
}

std::string_view type_name_of(Tag<bool>) { return "a boolean (true or false)"; }
std::string_view type_name_of(Tag<int>) { return "an integer"; }
std::string_view type_name_of(Tag<std::size_t>) { return "an integer"; }
std::string_view type_name_of(Tag<double>) { return "a number"; }
std::string_view type_name_of(Tag<std::string>) { return "a string"; }
std::string_view type_name_of(Tag<std::vector<std::string>>) { return "a list of strings"; }

Parsed fail(const ConfigKey& key, std::string_view text) {
  return {std::nullopt, "expected " + std::string(type_name(key)) + ", got " + quote(key, text)};
}

Parsed parse_as(Tag<bool>, const ConfigKey& key, std::string_view text) {
  const std::string t = lower(text);
  if (t == "true" || t == "yes" || t == "on" || t == "1") return {true, {}};
  if (t == "false" || t == "no" || t == "off" || t == "0") return {false, {}};
  return fail(key, text);
}

Parsed parse_as(Tag<int>, const ConfigKey& key, std::string_view text) {
  const auto n = to_integer(text);
  if (!n) return fail(key, text);
  if (*n < INT_MIN || *n > INT_MAX) return {std::nullopt, "out of range: " + quote(key, text)};
  return {*n, {}};
}

Parsed parse_as(Tag<std::size_t>, const ConfigKey& key, std::string_view text) {
  const auto n = to_integer(text);
  if (!n) return fail(key, text);
  return {*n, {}};  // the key's check rejects negatives
}

Parsed parse_as(Tag<double>, const ConfigKey& key, std::string_view text) {
  const auto x = to_real(text);
  if (!x) return fail(key, text);
  return {*x, {}};
}

Parsed parse_as(Tag<std::string>, const ConfigKey&, std::string_view text) {
  return {std::string(text), {}};
}

Parsed parse_as(Tag<std::vector<std::string>>, const ConfigKey&, std::string_view text) {
  std::vector<std::string> items;
  for (std::size_t start = 0; start <= text.size();) {
    const auto comma = std::min(text.find(',', start), text.size());
    items.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return {list_value(std::move(items)), {}};
}

template <class F>
decltype(auto) visit_type(const ConfigKey& key, F&& f) {
  return std::visit(
      [&](auto accessor) -> decltype(auto) {
        using T = std::remove_reference_t<decltype(accessor(std::declval<GatewayConfig&>()))>;
        return f(Tag<T>{}, accessor);
      },
      key.field);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = make_keys();
  return keys;
}

const ConfigKey* find_key(std::string_view path) {
  for (const auto& k : config_keys()) {
    if (k.path == path) return &k;
  }
  return nullptr;
}

const ConfigKey* find_key_by_env(std::string_view env_name) {
  for (const auto& k : config_keys()) {
    if (k.env == env_name) return &k;
  }
  return nullptr;
}

bool is_section(std::string_view path) {
  for (const auto& k : config_keys()) {
    if (k.path.size() > path.size() && k.path.starts_with(path) && k.path[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

std::string env_name_for(std::string_view path) {
  std::string env(kEnvPrefix);
  for (char c : path) {
    env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

Parsed parse_value(const ConfigKey& key, std::string_view text) {
  return visit_type(key, [&](auto tag, auto) { return parse_as(tag, key, trim(text)); });
}

Value list_value(std::vector<std::string> items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (auto t = trim(item); !t.empty()) out.emplace_back(t);
  }
  return out;
}

Parsed null_value(const ConfigKey& key) {
  if (std::holds_alternative<Accessor<std::string>>(key.field)) return {std::string(), {}};
  if (std::holds_alternative<Accessor<std::vector<std::string>>>(key.field)) {
    return {std::vector<std::string>(), {}};
  }
  return {std::nullopt, "expected " + std::string(type_name(key)) + ", got nothing"};
}

std::string_view type_name(const ConfigKey& key) {
  return visit_type(key, [](auto tag, auto) { return type_name_of(tag); });
}

Value read(const GatewayConfig& config, const ConfigKey& key) {
  // Accessors take a mutable config so that one table serves reading and writing; this only reads.
  auto& mutable_config = const_cast<GatewayConfig&>(config);
  return visit_type(key, [&](auto, auto accessor) -> Value {
    const auto& v = accessor(mutable_config);
    using T = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_same_v<T, int>) {
      return static_cast<long long>(v);
    } else if constexpr (std::is_same_v<T, std::size_t>) {
      return static_cast<long long>(std::min<std::size_t>(v, LLONG_MAX));
    } else {
      return v;
    }
  });
}

void assign(GatewayConfig& config, const ConfigKey& key, const Value& value) {
  visit_type(key, [&](auto, auto accessor) {
    auto& target = accessor(config);
    using T = std::remove_cvref_t<decltype(target)>;
    if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::size_t>) {
      target = static_cast<T>(std::get<long long>(value));
    } else {
      target = std::get<T>(value);
    }
  });
}

std::string secret_placeholder(const Value& value) {
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    if (list->empty()) return "(not set)";
    return std::string("(")
        .append(std::to_string(list->size()))
        .append(list->size() == 1 ? " key)" : " keys)");
  }
  if (const auto* text = std::get_if<std::string>(&value))
    return text->empty() ? "(not set)" : "(set)";
  return "(set)";
}

bool is_secret_placeholder(std::string_view text) {
  if (text == "(set)" || text == "(not set)" || text == "(1 key)") return true;
  if (!text.starts_with('(') || !text.ends_with(" keys)")) return false;
  const std::string_view digits = text.substr(1, text.size() - 7);
  return !digits.empty() &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string quote(const ConfigKey& key, std::string_view text) {
  if (key.secret) return "(hidden)";
  return std::string("\"").append(text).append("\"");
}

std::string render(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, long long>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[32];
          const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
          return std::string(buf, end);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else {
          std::string out;
          for (const auto& item : v) out += (out.empty() ? "" : ",") + item;
          return out;
        }
      },
      value);
}

std::string closest(std::string_view name, const std::vector<std::string>& candidates) {
  // A name missing its tail ("..._TIMEOUT" for "..._TIMEOUT_SECS"), else a typo or two.
  for (const auto& c : candidates) {
    if (name.size() >= 4 && c.starts_with(name)) return c;
  }
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 6) + 1;
  for (const auto& c : candidates) {
    if (const auto d = edit_distance(name, c); d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace roci::config::detail
