// GatewayConfig: the inference-server's whole configuration, typed and validated.
//
//   auto config = load_gateway_config({.file = "config/lmstudio.yaml",
//                                      .env = environ_map(), .flags = flag_overrides});
//   if (!config) { for (auto& p : config.error()) std::cerr << p.key << ": " << p.why << "\n"; }
//
// Sources, lowest precedence first: built-in defaults < YAML file < INFERENCE_* environment <
// command-line flags. With no file at all the defaults serve the mock provider on 127.0.0.1:3000.
// Env names are INFERENCE_ + the key path upper-cased with '_' between parts
// (inference.http.timeout_secs -> INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS). They are matched against
// the known keys, never split blindly; an unknown INFERENCE_* name is an error naming it. Lists are
// comma-separated in env (items trimmed, empty items dropped). Every problem is collected; loading
// fails with all of them at once. OPENAI_API_KEY fills inference.api_key when the provider is
// openai and no source set a key. Secret keys (inference.api_key, auth.api_keys) never appear in
// a problem or in describe_effective_config.
#pragma once

#include <roci/core/http_options.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roci::config {

struct HttpSection {      // inference.http (seed schema)
  int timeout_secs = 60;  // total for a non-streaming request
  int connect_timeout_secs = 10;
  int keep_alive_secs = 30;  // pooled idle connection expiry (LM Studio: clamped below 5 s)
  int max_idle_connections = 10;
  int first_byte_timeout_secs = 0;   // 0: same as timeout_secs (raise it for JIT model loads)
  int stream_idle_timeout_secs = 0;  // 0: same as timeout_secs
  int stream_timeout_secs = 1800;    // total for a stream
  std::string ca_file;               // extra CA bundle for HTTPS upstreams
  // Transient upstream failures (refused, connect timeout, 502/503) sent again before any byte
  // reached the client; backoff doubles per retry (+-20% jitter, at most 2 s).
  int max_retries = 2;         // 0-10
  int retry_backoff_ms = 100;  // before the first retry
};

// The built-in mock provider (inference.provider: mock, the embedded default). Its model ids are
// the seed's example names, so the seed's curl examples work against a fresh gateway.
struct MockSection {
  std::vector<std::string> models{"local-model", "TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
                                  "TheBloke/Llama-2-7B-Chat-GGUF"};
  int completion_tokens = 16;  // words per answer (max_tokens lowers it)
  int token_delay_ms = 0;      // pause between streamed tokens
};

// One host of the fleet (inference.backends; docs FLEET.md). Read from the file only.
struct BackendSection {
  std::string name;         // unique, [a-z0-9_-]+; shown in logs, /health, metrics, X-Roci-Backend
  std::string base_url;     // required except for mock
  std::string provider;     // "": inference.provider
  int max_concurrent = 0;   // in flight to this host; 0: limits.max_concurrent_upstream
  std::string api_key_env;  // the variable holding this host's key ("" : none)
  // inference.http keys this backend overrides (leaf name -> text, as written in the file).
  std::map<std::string, std::string> http_overrides;
  // Filled by load_gateway_config: the key read from api_key_env (secret, never logged).
  std::string api_key;
  // "file.yaml:12" where the entry was written ("": built in code); appended to its problems.
  std::string where;
};

struct InferenceSection {
  std::string provider = "mock";            // llamacpp | lmstudio | mock | openai (the registry's)
  std::string base_url;                     // "" -> the provider's default
  std::string default_model;                // "" -> the provider's first/only model
  std::vector<std::string> allowed_models;  // empty: all
  bool accept_model_mismatch = false;       // accept a served model other than the resolved one
  std::string api_key;  // upstream key (openai; optional for lmstudio, llamacpp). Never logged.
  HttpSection http;
  MockSection mock;
  // The fleet's hosts. Empty: one backend named "default" from provider/base_url/api_key/http
  // (effective_backends). Together with base_url: a configuration error.
  std::vector<BackendSection> backends;
  // Defaults applied when a request omits them (seed: max_tokens 100, temperature 0.7).
  int default_max_tokens = 100;
  double default_temperature = 0.7;
};

struct ServerSection {
  std::string host = "127.0.0.1";
  int port = 3000;
  int threads = 0;                       // 0: one per core
  int shutdown_grace_secs = 10;          // SIGTERM: time for in-flight requests to finish
  int request_header_timeout_secs = 10;  // slow clients: headers must arrive within this
  int request_body_timeout_secs = 30;    // and the body within this
  int idle_keep_alive_secs = 60;         // client keep-alive idle limit
  int write_timeout_secs = 30;           // every response write; a client not reading is dropped
};

struct LimitsSection {
  std::size_t max_body_bytes = 4u << 20;
  std::size_t max_header_bytes = 16u << 10;
  std::size_t max_header_count = 100;  // request header fields; past it 431
  int max_concurrent_upstream = 4;     // requests in flight to the upstream (LM Studio: a few)
  int max_queue = 64;                  // waiting for a slot; past it 429 with Retry-After
  int queue_timeout_secs = 60;         // longest wait in the queue (then 503 / 429)
  int max_connections = 1024;          // client connections
  std::size_t max_messages = 4096;
  std::size_t max_json_depth = 64;
  std::size_t max_string_bytes = 1u << 20;  // any one JSON string or key in a request body
  int max_tokens_ceiling = 1 << 20;
};

// How the fleet picks and watches hosts (FLEET.md "Configuration").
struct RoutingSection {
  int probe_interval_secs = 2;  // host state refresh (loaded models, reachability)
  int cooldown_secs = 5;        // a failed host gets no traffic this long (doubling to 60)
  int spill_queue_depth = 16;   // requests waiting for a loaded host before another loads it
};

// The Responses API store (POST /v1/responses with `store`, GET / DELETE /v1/responses/{id},
// previous_response_id): in memory, shared by every thread; the oldest go first past a bound.
struct ResponsesSection {
  std::size_t store_max_entries = 1000;     // 0: nothing is stored
  std::size_t store_max_bytes = 64u << 20;  // memory the stored responses may hold
  int store_ttl_secs = 3600;                // a stored response is forgotten after this
};

// The gateway's log (apps/inference-server; src/server/observability/logging.h). Reloadable.
struct LogSection {
  std::string level = "info";   // error | warn | info | debug | trace
  std::string format = "text";  // text | json (one JSON object per line, stable field names)
  std::string file;             // "": stderr; else appended to, reopened on reload (SIGHUP)
};

// Gateway API keys. With at least one key every request needs `Authorization: Bearer <key>` or
// `x-api-key: <key>` (else 401), except CORS preflights and /health, /metrics when public.
struct AuthSection {
  std::vector<std::string> api_keys;  // secret: never logged, printed or quoted in a problem
  // One key per line, blank lines and `#` comments ignored; load_gateway_config reads it at
  // start-up and appends its keys to api_keys (unreadable or keyless: a problem naming the key).
  std::string api_keys_file;
  bool public_health = true;    // GET /health without a key (load balancers, probes)
  bool public_metrics = false;  // GET /metrics without a key
};

// Browser access (CORS). Empty allowed_origins: CORS off (OPTIONS is a 405, no CORS headers).
struct CorsSection {
  std::vector<std::string> allowed_origins;  // "https://app.example.com", or "*": any origin
  // Announced in preflight answers (Access-Control-Allow-Headers): what the official clients send.
  std::vector<std::string> allowed_headers{"Authorization",
                                           "Content-Type",
                                           "X-Api-Key",
                                           "X-Request-Id",
                                           "OpenAI-Organization",
                                           "OpenAI-Project",
                                           "OpenAI-Beta",
                                           "Anthropic-Version",
                                           "Anthropic-Beta",
                                           "Anthropic-Dangerous-Direct-Browser-Access",
                                           "X-Stainless-Arch",
                                           "X-Stainless-Lang",
                                           "X-Stainless-OS",
                                           "X-Stainless-Package-Version",
                                           "X-Stainless-Retry-Count",
                                           "X-Stainless-Runtime",
                                           "X-Stainless-Runtime-Version",
                                           "X-Stainless-Timeout"};
  int max_age_secs = 600;  // Access-Control-Max-Age: how long browsers cache a preflight
};

// The web console (GET /ui) and its admin API (/admin/...).
struct UiSection {
  bool enabled = true;       // false: /ui, the / redirect and /admin/... answer 404
  bool log_content = false;  // the live request feed carries request and answer text
};

struct GatewayConfig {
  ServerSection server;
  InferenceSection inference;
  LimitsSection limits;
  RoutingSection routing;
  ResponsesSection responses;
  LogSection log;
  AuthSection auth;
  CorsSection cors;
  UiSection ui;
};

struct ConfigProblem {
  std::string key;  // "inference.http.timeout_secs" or the env name "INFERENCE_FOO"
  std::string why;
};

struct ConfigSources {
  std::optional<std::string> file;           // YAML path (unset: no file)
  std::map<std::string, std::string> env;    // the process environment (all variables)
  std::map<std::string, std::string> flags;  // key path -> value, from the command line
};

// Loads, overlays and validates. On failure returns every problem found.
struct ConfigResult {
  std::optional<GatewayConfig> config;
  std::vector<ConfigProblem> problems;
  explicit operator bool() const { return config.has_value(); }
};
ConfigResult load_gateway_config(const ConfigSources& sources);

// Every known key path with its env name, for --help and the unknown-env error message.
std::vector<std::pair<std::string, std::string>> known_config_keys();

inline constexpr std::string_view kEnvPrefix = "INFERENCE_";
inline constexpr std::string_view kOpenAiKeyEnv = "OPENAI_API_KEY";

// The checks load_gateway_config runs after overlaying (ranges, enums, URLs, cross-key rules), for
// configs built in code. Empty: valid.
std::vector<ConfigProblem> validate_gateway_config(const GatewayConfig& config);

// One "key: why" line per problem (each line ends with '\n').
std::string format_problems(const std::vector<ConfigProblem>& problems);

// YAML dump of every key, secrets as placeholders: inference.api_key "(set)" / "(not set)",
// auth.api_keys "(2 keys)" / "(not set)"; for --check-config and debug logs. Loads back once the
// secret lines are removed (the placeholders themselves are refused as keys).
std::string describe_effective_config(const GatewayConfig& config);

// A backend as the gateway runs it: every default applied.
struct EffectiveBackend {
  std::string name;
  std::string provider;        // the kind
  std::string base_url;        // "" : the kind's default
  std::string api_key;         // secret
  std::string api_key_origin;  // where the key came from, for messages ("LAPTOP_KEY")
  int max_concurrent = 4;
  HttpSection http;  // inference.http with the backend's overrides
};
inline constexpr std::string_view kDefaultBackendName = "default";
// The configured backends, or the one "default" backend built from inference.provider/base_url/
// api_key/http when inference.backends is empty. Expects a validated config.
std::vector<EffectiveBackend> effective_backends(const GatewayConfig& config);
// One key whose effective value differs between two configurations (a reload).
struct ConfigChange {
  std::string key;             // "inference.allowed_models"
  std::string before, after;   // rendered values; for secrets what describe_effective_config prints
  bool needs_restart = false;  // read once at start-up (listen address, threads, admission queue)
};
// Every key whose value differs, in key-table order.
std::vector<ConfigChange> diff_config(const GatewayConfig& before, const GatewayConfig& after);
// Sets every restart-only key of `next` to its value in `running` (what a reload cannot change).
void keep_restart_values(GatewayConfig& next, const GatewayConfig& running);

// The process environment as name -> value.
std::map<std::string, std::string> environ_map();

// Effective upstream deadlines: 0 in first_byte / stream_idle means timeout_secs.
std::chrono::seconds request_timeout(const HttpSection& http);
std::chrono::seconds connect_timeout(const HttpSection& http);
std::chrono::seconds first_byte_timeout(const HttpSection& http);
std::chrono::seconds stream_idle_timeout(const HttpSection& http);
std::chrono::seconds stream_timeout(const HttpSection& http);
std::chrono::seconds keep_alive(const HttpSection& http);
// The section as the SDK's upstream options (size limits keep HttpOptions' defaults); their error
// messages name the config keys (http_option_key).
roci::HttpOptions to_http_options(const HttpSection& http);
// The config key of an HttpOptions member ("first_byte_timeout" ->
// "inference.http.first_byte_timeout_secs"); "HttpOptions::<member>" for a fixed limit.
std::string http_option_key(std::string_view member);

}  // namespace roci::config
