// The typed vocabulary of a chat exchange: messages, settings, tools, results and stream parts.
//
// These are plain values shared by every provider and by the gateway; no JSON wire shape leaks
// past openai_wire except `GenerationSettings::extra` (provider extensions forwarded untouched) and
// tool schemas, which are JSON by nature.
//
//   std::vector<roci::ModelMessage> messages{
//       roci::ModelMessage::system("You are terse."),
//       roci::ModelMessage::user("Hello, how are you?")};
//   roci::GenerationSettings settings{.max_tokens = 256, .temperature = 0.3};
//   settings.extra["ttl"] = 600;   // LM Studio: unload the JIT-loaded model after 10 idle minutes
#pragma once

#include <roci/export.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace roci {

enum class Role { kSystem, kDeveloper, kUser, kAssistant, kTool };
ROCI_EXPORT std::string_view to_string(Role role);
ROCI_EXPORT std::optional<Role> parse_role(std::string_view s);

enum class FinishReason { kStop, kLength, kToolCalls, kContentFilter, kError, kOther };
ROCI_EXPORT std::string_view to_string(FinishReason reason);
ROCI_EXPORT FinishReason parse_finish_reason(std::string_view s);  // unknown -> kOther

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int total_tokens = 0;
  friend bool operator==(const Usage&, const Usage&) = default;
  // Adds another call's counts (a multi-step result's total).
  Usage& operator+=(const Usage& other) {
    prompt_tokens += other.prompt_tokens;
    completion_tokens += other.completion_tokens;
    total_tokens += other.total_tokens;
    return *this;
  }
};

// One part of a multi-part message. kOther keeps a part type roci does not model (input_audio,
// file, ...) as raw JSON so it is forwarded untouched.
enum class ContentPartType { kText, kImageUrl, kOther };
struct ROCI_EXPORT ContentPart {
  ContentPartType type = ContentPartType::kText;
  std::string text;         // kText
  std::string image_url;    // kImageUrl: http(s) URL or data: URL
  std::string detail;       // kImageUrl: "auto" | "low" | "high" | "" (absent)
  boost::json::object raw;  // kOther: the part as received

  static ContentPart text_part(std::string text);
  static ContentPart image(std::string url, std::string detail = {});
  friend bool operator==(const ContentPart&, const ContentPart&) = default;
};

// A complete tool call requested by the model. `arguments` is the JSON text the model produced
// (it is not guaranteed to be valid JSON; callers parse it).
struct ToolCall {
  std::string id;  // LM Studio uses numeric strings ("365174485"), OpenAI "call_..."
  std::string name;
  std::string arguments;
  friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

struct ROCI_EXPORT ModelMessage {
  Role role = Role::kUser;
  std::string content;               // text content; ignored when `parts` is non-empty
  std::vector<ContentPart> parts;    // multi-part content (text, images, ...)
  bool content_is_null = false;      // assistant turn that only carries tool_calls
  std::vector<ToolCall> tool_calls;  // assistant turns
  std::string tool_call_id;          // tool turns: the call this result answers
  std::string name;                  // optional participant name

  static ModelMessage system(std::string text);
  static ModelMessage developer(std::string text);
  static ModelMessage user(std::string text);
  static ModelMessage user(std::vector<ContentPart> parts);
  static ModelMessage assistant(std::string text);
  static ModelMessage assistant(std::vector<ToolCall> calls);
  static ModelMessage tool(std::string tool_call_id, std::string content);

  // The text of the message: `content`, or the concatenated text parts.
  std::string text() const;
  friend bool operator==(const ModelMessage&, const ModelMessage&) = default;
};

struct GenerationSettings {
  std::optional<int> max_tokens;  // LM Studio also accepts -1 (unlimited)
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> top_k;
  std::optional<double> frequency_penalty;
  std::optional<double> presence_penalty;
  std::optional<std::vector<std::string>> stop_sequences;
  std::optional<std::int64_t> seed;
  // Provider extensions forwarded untouched into the upstream request body (LM Studio: ttl,
  // draft_model, repeat_penalty, min_p; llama.cpp: cache_prompt, mirostat, ...). Keys that collide
  // with the typed fields above are ignored in favour of the typed fields. OpenAI's `n` (choices
  // per request) travels here too, as an integer above 1: servers that honour it answer n choices
  // (GenerationResult::other_choices), the others one. requested_choices() reads it.
  boost::json::object extra;
  friend bool operator==(const GenerationSettings&, const GenerationSettings&) = default;
};

// The number of choices `settings` asks for: extra["n"] when it is an integer >= 1, else 1.
ROCI_EXPORT int requested_choices(const GenerationSettings& settings);

struct ToolDefinition {
  std::string name;
  std::string description;
  boost::json::value parameters;  // JSON Schema object; null when the tool takes none
  std::optional<bool> strict;
  friend bool operator==(const ToolDefinition&, const ToolDefinition&) = default;
};

struct ToolChoice {
  enum class Mode { kAuto, kNone, kRequired, kFunction };
  Mode mode = Mode::kAuto;
  std::string function_name;  // kFunction
  static ToolChoice function(std::string name) { return {Mode::kFunction, std::move(name)}; }
  friend bool operator==(const ToolChoice&, const ToolChoice&) = default;
};

struct ResponseFormat {
  enum class Type { kText, kJsonObject, kJsonSchema };
  Type type = Type::kText;
  std::string schema_name;     // kJsonSchema
  boost::json::value schema;   // kJsonSchema: the JSON Schema
  std::optional<bool> strict;  // kJsonSchema
  static ResponseFormat json_object() { return {Type::kJsonObject, {}, {}, {}}; }
  static ResponseFormat json_schema(std::string name, boost::json::value schema,
                                    std::optional<bool> strict = std::nullopt);
  friend bool operator==(const ResponseFormat&, const ResponseFormat&) = default;
};

// Per-request overrides of the provider's HTTP deadlines, and header fields to send.
struct TransportOptions {
  std::optional<std::chrono::milliseconds> first_byte_timeout;
  std::optional<std::chrono::milliseconds> request_timeout;
  // Sent with the upstream request after the provider's own fields, e.g. {"X-Request-Id", id}
  // (correlates logs; an HttpRetry carries it). Names and values must be valid field text (no
  // CR, LF or NUL): the request fails with kInvalidRequest otherwise.
  std::vector<std::pair<std::string, std::string>> headers;
  friend bool operator==(const TransportOptions&, const TransportOptions&) = default;
};

// The client's own request body, kept by the gateway beside the typed fields it parsed so that an
// OpenAI-compatible upstream can be sent those bytes with only the model, the stream flags and the
// defaults edited. Opaque outside the gateway's wire code (src/openai_wire/client_body.h).
struct ClientBody;

// Everything a provider needs for one generation. The first six fields mirror the seed's
// `ProviderRequest { messages, settings, tools, response_format, session_id, transport }`.
struct ProviderRequest {
  std::vector<ModelMessage> messages;
  GenerationSettings settings;
  std::optional<std::vector<ToolDefinition>> tools;
  std::optional<ResponseFormat> response_format;
  std::optional<std::string> session_id;  // forwarded as the OpenAI `user` field
  std::optional<TransportOptions> transport;
  std::optional<ToolChoice> tool_choice;
  std::optional<bool> parallel_tool_calls;
  std::string model;  // empty: the provider's configured model
  // Set only by the gateway's Chat Completions parser (null for requests built in code): the body
  // as received. Providers that speak the same wire format forward it, edited, while the fields
  // above still say what it says (they are compared first); otherwise the fields are encoded.
  // A copy of the request shares it.
  std::shared_ptr<ClientBody> client_body;
};

// LM Studio's `stats` block (/api/v0) or llama.cpp's `timings`, normalised; times in seconds.
struct ProviderStats {
  std::optional<double> tokens_per_second;
  std::optional<double> time_to_first_token;
  std::optional<double> generation_time;
  std::string stop_reason;  // LM Studio: eosFound, maxPredictedTokensReached, ...
  boost::json::object raw;  // the block as received
};

// One choice past the first of a request for n > 1 choices (the first is GenerationResult itself).
struct GenerationChoice {
  int index = 1;  // as the upstream numbered it
  std::string text;
  std::string reasoning;
  std::vector<ToolCall> tool_calls;
  FinishReason finish_reason = FinishReason::kStop;
  boost::json::value logprobs;  // the upstream's `logprobs` object for this choice; null if none
  friend bool operator==(const GenerationChoice&, const GenerationChoice&) = default;
};

// The answer; its text, reasoning, tool_calls and finish_reason are choice 0's.
struct GenerationResult {
  std::string text;
  std::string reasoning;  // reasoning_content / reasoning, when the model separates it
  std::vector<ToolCall> tool_calls;
  FinishReason finish_reason = FinishReason::kStop;
  std::optional<Usage> usage;
  std::string model;  // the model the upstream says it served
  std::string id;     // upstream response id (chatcmpl-...)
  std::int64_t created = 0;
  std::string system_fingerprint;
  std::optional<ProviderStats> stats;
  // The upstream's `logprobs` object of the first choice, untouched (asked for with
  // settings.extra["logprobs"] / ["top_logprobs"]); null when the upstream sent none.
  boost::json::value logprobs;
  // n > 1: the other choices, in index order; usage above covers them all. Empty otherwise.
  std::vector<GenerationChoice> other_choices;
  // The fleet backend that served it (roci/fleet); "" when no fleet chose one.
  std::string backend;
  // The upstream's Chat Completions answer as received, kept only when it holds exactly what the
  // fields above say, as the gateway would encode them (the common shape, checked member by member:
  // src/openai_wire/fast_path_decode.h). The gateway's /v1/chat/completions forwards these bytes
  // instead of encoding the fields again. Empty otherwise, and in results built in code; whoever
  // changes a field above must clear it.
  std::string wire_answer;
};

// Stream parts, in order: any number of TextDelta / ReasoningDelta / ToolCallDelta, then exactly
// one Finish (which carries usage when the upstream reported it). With n > 1 the deltas of the
// choices interleave, each naming its `choice` (0 for the first), and the one Finish closes them
// all: `reason` is choice 0's, `other_choices` the others'.
struct TextDelta {
  std::string text;
  int choice = 0;
  // The chunk's `logprobs` object for these tokens, untouched; null when the upstream sent none.
  // A delta may carry logprobs with empty text.
  boost::json::value logprobs;
};
struct ReasoningDelta {
  std::string text;
  int choice = 0;
};
// A fragment of tool call `index`. The first fragment of a call carries `id` and `name`; later
// ones only append to `arguments`.
struct ToolCallDelta {
  int index = 0;
  std::string id;
  std::string name;
  std::string arguments;
  int choice = 0;
};
struct ChoiceFinish {
  int choice = 1;
  FinishReason reason = FinishReason::kStop;
  friend bool operator==(const ChoiceFinish&, const ChoiceFinish&) = default;
};
struct Finish {
  FinishReason reason = FinishReason::kStop;
  std::optional<Usage> usage;
  std::optional<ProviderStats> stats;
  std::vector<ChoiceFinish> other_choices;  // n > 1: how choices 1.. ended, in choice order
};
using StreamPart = std::variant<TextDelta, ReasoningDelta, ToolCallDelta, Finish>;

// What the upstream said about the stream it opened (known once its first event arrived).
struct StreamInfo {
  std::string id;
  std::string model;
  std::int64_t created = 0;
  std::string system_fingerprint;
  std::string backend;  // the fleet backend that serves the stream; "" outside a fleet
};

// A model as a provider lists it. LM Studio fields come from /api/v0/models when available.
struct ModelInfo {
  std::string id;
  std::string owned_by;
  std::int64_t created = 0;
  std::string type;   // "llm" | "vlm" | "embeddings" | "" (unknown)
  std::string state;  // "loaded" | "loading" | "not-loaded" | "" (unknown)
  std::optional<int> max_context_length;
  std::optional<int> loaded_context_length;
  std::vector<std::string> capabilities;  // e.g. "tool_use", "vision"
  std::string publisher;
  std::string arch;
  std::string quantization;
  // LM Studio: the ids of the loaded instances ("m1", "m1:2" after a duplicate JIT load).
  std::vector<std::string> instances;
  // The host can load and unload this model through its API (LM Studio >= 0.4 /api/v1, the
  // llama.cpp router); false: only a first request loads it (JIT), or it is always loaded.
  bool loadable = false;
  // A fleet's union (roci/fleet): the backends that have the model, in config order; state is
  // "loaded" when it is loaded on at least one of them.
  std::vector<std::string> backends;
  bool loaded() const { return state == "loaded"; }
};

// What a model load or unload did (Provider::load_model / unload_model).
struct ModelLoadResult {
  std::string model;        // the model id
  std::string instance_id;  // the instance the host loaded or unloaded (LM Studio); else the id
  std::string backend;      // the fleet backend that did it; "" outside a fleet
  bool already = false;     // load: it was loaded already; unload: it was not loaded
  std::chrono::milliseconds duration{0};
};

struct ProviderHealth {
  bool reachable = false;
  std::chrono::microseconds latency{0};
  std::string base_url;
  std::string detail;  // e.g. "LM Studio answered /lmstudio-greeting"
  std::vector<std::string> loaded_models;
};

// Embeddings (/v1/embeddings).
struct EmbeddingRequest {
  std::string model;
  std::vector<std::string> input;
  std::optional<int> dimensions;
  std::string encoding_format;  // "" | "float" | "base64"
  boost::json::object extra;
  std::optional<TransportOptions> transport;
};
struct EmbeddingResult {
  std::string model;
  std::vector<std::vector<double>> embeddings;
  Usage usage;
  std::string backend;  // the fleet backend that served it (roci/fleet); "" outside a fleet
};

// Legacy text completions (/v1/completions): no chat template is applied.
struct CompletionRequest {
  std::string model;
  std::vector<std::string> prompt;  // one or more prompts
  GenerationSettings settings;
  std::optional<TransportOptions> transport;
};
struct CompletionChoice {
  std::string text;
  FinishReason finish_reason = FinishReason::kStop;
};
struct CompletionResult {
  std::string id;
  std::string model;
  std::int64_t created = 0;
  std::vector<CompletionChoice> choices;
  std::optional<Usage> usage;
  std::string backend;  // the fleet backend that served it (roci/fleet); "" outside a fleet
};

}  // namespace roci
