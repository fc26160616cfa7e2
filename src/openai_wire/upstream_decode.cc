// Response decoders of upstream_codec.h: OpenAI-shaped JSON from LM Studio, OpenAI and
// llama.cpp -> typed results. Total: every input gives a value or an Error, never an exception.
#include <boost/json/monotonic_resource.hpp>

#include <algorithm>
#include <cstring>
#include <exception>

#include "openai_wire/error_envelopes.h"
#include "openai_wire/fast_path_decode.h"
#include "openai_wire/json_util.h"
#include "openai_wire/upstream_codec.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;
using detail::find;
using detail::find_array;
using detail::find_object;
using detail::get_double;
using detail::get_int;
using detail::get_int64;
using detail::get_string;

Error malformed(std::string_view what, std::string_view upstream, std::string_view why) {
  std::string msg = "malformed " + std::string(what) + " from " + std::string(upstream) + ": ";
  msg += why;
  return Error::upstream(std::move(msg));
}

// Parses `body`, turns an error envelope into its Error, and requires an object.
Result<json::value> parse_body(std::string_view body, std::string_view what,
                               std::string_view upstream, int status_for_errors,
                               json::storage_ptr storage = {}) {
  auto parsed = detail::parse_upstream_json(body, what, upstream, std::move(storage));
  if (!parsed) return parsed.error();
  if (status_for_errors >= 0) {
    if (auto err = detail::error_from_json(status_for_errors, *parsed, upstream)) return *err;
  } else if (auto err = detail::stream_error_from_json(*parsed, upstream)) {
    return *err;
  }
  if (!parsed->is_object()) return malformed(what, upstream, "expected a JSON object");
  return parsed;
}

std::string string_or_empty(const json::object& obj, std::string_view key) {
  auto s = get_string(obj, key);
  return s ? std::string(*s) : std::string();
}

// LM Studio /api/v0 `stats` (seconds) or llama.cpp `timings` (milliseconds).
std::optional<ProviderStats> decode_stats(const json::object& root) {
  if (const auto* stats = find_object(root, "stats")) {
    ProviderStats s;
    s.tokens_per_second = get_double(*stats, "tokens_per_second");
    s.time_to_first_token = get_double(*stats, "time_to_first_token");
    s.generation_time = get_double(*stats, "generation_time");
    s.stop_reason = string_or_empty(*stats, "stop_reason");
    s.raw = *stats;
    return s;
  }
  if (const auto* timings = find_object(root, "timings")) {
    ProviderStats s;
    s.tokens_per_second = get_double(*timings, "predicted_per_second");
    if (auto ms = get_double(*timings, "prompt_ms")) s.time_to_first_token = *ms / 1000.0;
    if (auto ms = get_double(*timings, "predicted_ms")) s.generation_time = *ms / 1000.0;
    s.raw = *timings;
    return s;
  }
  return std::nullopt;
}

// The first choice (the one with index 0 when indexes are given).
const json::object* first_choice(const json::array& choices) {
  const json::object* first = nullptr;
  for (const auto& c : choices) {
    const auto* obj = c.if_object();
    if (!obj) continue;
    if (!first) first = obj;
    if (get_int64(*obj, "index").value_or(0) == 0) return obj;
  }
  return first;
}

// A choice's number: its "index", else its position in "choices".
int choice_index(const json::object& choice, std::size_t position) {
  return get_int(choice, "index").value_or(static_cast<int>(position));
}

std::optional<FinishReason> decode_finish(const json::object& choice) {
  auto s = get_string(choice, "finish_reason");
  if (!s) return std::nullopt;
  return parse_finish_reason(*s);
}

// reasoning_content (DeepSeek-style split) or reasoning (gpt-oss, LM Studio 0.3.23+).
std::optional<std::string_view> reasoning_of(const json::object& obj) {
  if (auto r = get_string(obj, "reasoning_content")) return r;
  return get_string(obj, "reasoning");
}

void fill_info(const json::object& root, std::string& id, std::string& model, std::int64_t& created,
               std::string& fingerprint) {
  id = string_or_empty(root, "id");
  model = string_or_empty(root, "model");
  created = get_int64(root, "created").value_or(0);
  fingerprint = string_or_empty(root, "system_fingerprint");
}

// The message of one chat.completion choice. An Error when it is malformed.
std::optional<Error> decode_message_choice(const json::object& choice, std::string_view upstream,
                                           std::string& text, std::string& reasoning,
                                           std::vector<ToolCall>& tool_calls,
                                           FinishReason& finish_reason, json::value& logprobs) {
  if (const auto* lp = find(choice, "logprobs"); lp && !lp->is_null()) {
    logprobs = json::value(*lp, json::storage_ptr());  // out of the parse arena
  }
  const auto* message = find_object(choice, "message");
  if (!message) return malformed("chat completion", upstream, "a choice has no \"message\"");
  if (const auto* content = find(*message, "content")) {
    if (content->is_string()) {
      text = content->get_string();
    } else if (content->is_array()) {  // a parts array: its text parts, concatenated
      for (const auto& part : content->get_array()) {
        if (const auto* p = part.if_object()) {
          if (auto t = get_string(*p, "text")) text += *t;
        }
      }
    }
  }
  if (auto r = reasoning_of(*message)) reasoning = *r;
  if (const auto* calls = find_array(*message, "tool_calls")) {
    for (const auto& c : *calls) {
      const auto* call = c.if_object();
      if (!call) return malformed("chat completion", upstream, "a tool call is not an object");
      ToolCall tc;
      tc.id = detail::get_id(*call, "id").value_or("");
      if (const auto* fn = find_object(*call, "function")) {
        tc.name = string_or_empty(*fn, "name");
        if (const auto* args = find(*fn, "arguments")) {
          // OpenAI sends a string; some local servers send the object itself.
          tc.arguments = args->is_string() ? std::string(args->get_string())
                                           : (args->is_null() ? "" : detail::to_json(*args));
        }
      }
      tool_calls.push_back(std::move(tc));
    }
  }
  finish_reason = decode_finish(choice).value_or(tool_calls.empty() ? FinishReason::kStop
                                                                    : FinishReason::kToolCalls);
  return std::nullopt;
}

}  // namespace

Result<GenerationResult> decode_chat_response(std::string_view body, std::string_view upstream) {
  // One named result, so it is the caller's own (no move of the answer on the way out).
  Result<GenerationResult> decoded(boost::system::in_place_value);
  if (!detail::decode_response_fast_path(body, *decoded)) {
    decoded = detail::decode_chat_response_tree(body, upstream);
  }
  return decoded;
}

Result<GenerationResult> detail::decode_chat_response_tree(std::string_view body,
                                                           std::string_view upstream) {
  // The tree lives in this frame's buffer (heap only past it); everything kept is copied out.
  alignas(16) unsigned char buffer[8192];
  json::monotonic_resource arena(buffer, sizeof buffer);
  try {
    auto parsed = parse_body(body, "chat completion", upstream, 200, &arena);
    if (!parsed) return parsed.error();
    const auto& root = parsed->get_object();
    const auto* choices = find_array(root, "choices");
    if (!choices) return malformed("chat completion", upstream, "no \"choices\" array");
    const auto* choice = first_choice(*choices);
    if (!choice) return malformed("chat completion", upstream, "\"choices\" is empty");

    GenerationResult r;
    if (auto failed = decode_message_choice(*choice, upstream, r.text, r.reasoning, r.tool_calls,
                                            r.finish_reason, r.logprobs)) {
      return *failed;
    }
    // n > 1: the other choices, in index order.
    for (std::size_t i = 0; i < choices->size(); ++i) {
      const auto* other = (*choices)[i].if_object();
      if (!other || other == choice) continue;
      GenerationChoice c{.index = choice_index(*other, i)};
      if (auto failed = decode_message_choice(*other, upstream, c.text, c.reasoning, c.tool_calls,
                                              c.finish_reason, c.logprobs)) {
        return *failed;
      }
      r.other_choices.push_back(std::move(c));
    }
    std::stable_sort(
        r.other_choices.begin(), r.other_choices.end(),
        [](const GenerationChoice& a, const GenerationChoice& b) { return a.index < b.index; });
    r.usage = detail::decode_usage(find(root, "usage"));
    fill_info(root, r.id, r.model, r.created, r.system_fingerprint);
    r.stats = decode_stats(root);
    return r;
  } catch (const std::exception& e) {
    return malformed("chat completion", upstream, e.what());
  }
}

Result<DecodedChunk> decode_chat_chunk(std::string_view data, std::string_view upstream) {
  if (auto common = detail::decode_chunk_fast_path(data)) return std::move(*common);
  return detail::decode_chat_chunk_tree(data, upstream);
}

Result<DecodedChunk> detail::decode_chat_chunk_tree(std::string_view data,
                                                    std::string_view upstream) {
  alignas(16) unsigned char buffer[4096];  // as in decode_chat_response
  json::monotonic_resource arena(buffer, sizeof buffer);
  try {
    auto parsed = parse_body(data, "stream chunk", upstream, -1, &arena);
    if (!parsed) return parsed.error();
    const auto& root = parsed->get_object();
    DecodedChunk chunk;
    fill_info(root, chunk.info.id, chunk.info.model, chunk.info.created,
              chunk.info.system_fingerprint);
    chunk.usage = detail::decode_usage(find(root, "usage"));
    chunk.stats = decode_stats(root);
    const auto* choices = find_array(root, "choices");
    if (!choices) return chunk;  // the trailing usage chunk has "choices": []
    // Usually one choice per chunk; with n > 1 each names its own index.
    for (std::size_t i = 0; i < choices->size(); ++i) {
      const auto* choice = (*choices)[i].if_object();
      if (!choice) continue;
      const int index = choice_index(*choice, i);
      if (auto finish = decode_finish(*choice)) {
        if (index == 0) {
          chunk.finish_reason = finish;
        } else {
          chunk.other_finishes.push_back({.choice = index, .reason = *finish});
        }
      }
      const auto* delta = find_object(*choice, "delta");
      if (!delta) continue;
      // `role` may appear on any chunk (LM Studio 0.3.9 repeats it): ignored.
      if (auto reasoning = reasoning_of(*delta); reasoning && !reasoning->empty()) {
        chunk.parts.emplace_back(ReasoningDelta{std::string(*reasoning), index});
      }
      auto content = get_string(*delta, "content");
      const json::value* logprobs = find(*choice, "logprobs");
      if (logprobs && logprobs->is_null()) logprobs = nullptr;
      if ((content && !content->empty()) || logprobs) {
        chunk.parts.emplace_back(
            TextDelta{std::string(content.value_or("")), index,
                      logprobs ? json::value(*logprobs, json::storage_ptr()) : json::value()});
      }
      if (const auto* calls = find_array(*delta, "tool_calls")) {
        int position = 0;
        for (const auto& c : *calls) {
          const auto* call = c.if_object();
          if (!call) {
            return malformed("stream chunk", upstream, "a tool call delta is not an object");
          }
          ToolCallDelta d;
          d.index = get_int(*call, "index").value_or(position);
          d.id = detail::get_id(*call, "id").value_or("");  // string, number or null
          if (const auto* fn = find_object(*call, "function")) {
            d.name = string_or_empty(*fn, "name");
            d.arguments = string_or_empty(*fn, "arguments");
          }
          d.choice = index;
          chunk.parts.emplace_back(std::move(d));
          ++position;
        }
      }
    }
    return chunk;
  } catch (const std::exception& e) {
    return malformed("stream chunk", upstream, e.what());
  }
}

namespace {

std::vector<std::string> string_array(const json::array* arr) {
  std::vector<std::string> out;
  if (!arr) return out;
  for (const auto& v : *arr) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}

// An entry of /v1/models, LM Studio /api/v0/models, or llama.cpp's "data".
std::optional<ModelInfo> decode_model(const json::object& m) {
  ModelInfo info;
  info.id = string_or_empty(m, "id");
  if (info.id.empty()) return std::nullopt;
  info.owned_by = string_or_empty(m, "owned_by");
  info.created = get_int64(m, "created").value_or(0);
  info.type = string_or_empty(m, "type");
  info.state = string_or_empty(m, "state");
  info.max_context_length = get_int(m, "max_context_length");
  info.loaded_context_length = get_int(m, "loaded_context_length");
  info.capabilities = string_array(find_array(m, "capabilities"));
  info.publisher = string_or_empty(m, "publisher");
  info.arch = string_or_empty(m, "arch");
  info.quantization = string_or_empty(m, "quantization");
  if (const auto* status = find_object(m, "status")) {  // llama.cpp router mode
    const std::string value = string_or_empty(*status, "value");
    info.state = value == "unloaded" || value == "downloading" ? "not-loaded" : value;
    info.loadable = true;
  }
  if (!info.max_context_length) {
    if (const auto* meta = find_object(m, "meta")) {  // llama.cpp
      info.max_context_length = get_int(*meta, "n_ctx_train");
      info.loaded_context_length = get_int(*meta, "n_ctx");
    }
  }
  return info;
}

// An entry of LM Studio's /api/v1/models {"models":[{"key",...,"loaded_instances"}]}.
std::optional<ModelInfo> decode_v1_model(const json::object& m) {
  ModelInfo info;
  info.id = string_or_empty(m, "key");
  if (info.id.empty()) return std::nullopt;
  info.type = string_or_empty(m, "type");
  if (info.type == "embedding") info.type = "embeddings";
  info.publisher = string_or_empty(m, "publisher");
  info.arch = string_or_empty(m, "architecture");
  if (const auto* q = find_object(m, "quantization"))
    info.quantization = string_or_empty(*q, "name");
  info.max_context_length = get_int(m, "max_context_length");
  info.loadable = true;  // /api/v1 has POST /api/v1/models/load and /unload
  if (const auto* instances = find_array(m, "loaded_instances")) {
    info.state = instances->empty() ? "not-loaded" : "loaded";
    for (const auto& inst : *instances) {
      if (const auto* obj = inst.if_object()) {
        if (auto id = string_or_empty(*obj, "id"); !id.empty()) info.instances.push_back(id);
      }
    }
    if (!instances->empty() && instances->front().is_object()) {
      if (const auto* cfg = find_object(instances->front().get_object(), "config")) {
        info.loaded_context_length = get_int(*cfg, "context_length");
      }
    }
  }
  if (const auto* caps = find_object(m, "capabilities")) {
    if (detail::get_bool(*caps, "vision").value_or(false)) info.capabilities.push_back("vision");
    if (detail::get_bool(*caps, "trained_for_tool_use").value_or(false)) {
      info.capabilities.push_back("tool_use");
    }
    if (find(*caps, "reasoning")) info.capabilities.push_back("reasoning");
  }
  return info;
}

}  // namespace

Result<ModelLoadResult> decode_model_load(std::string_view body, std::string_view upstream) {
  try {
    auto parsed = parse_body(body, "model load answer", upstream, 200);
    if (!parsed) return parsed.error();
    const auto& root = parsed->get_object();
    if (auto success = detail::get_bool(root, "success"); success && !*success) {
      return Error::upstream(std::string(upstream) + " refused the model load or unload");
    }
    ModelLoadResult result;
    result.instance_id = string_or_empty(root, "instance_id");
    result.model = string_or_empty(root, "model");
    return result;
  } catch (const std::exception& e) {
    return malformed("model load answer", upstream, e.what());
  }
}

Result<std::vector<ModelInfo>> decode_model_list(std::string_view body, std::string_view upstream) {
  try {
    auto parsed = parse_body(body, "model list", upstream, 200);
    if (!parsed) return parsed.error();
    const auto& root = parsed->get_object();
    std::vector<ModelInfo> models;
    // llama.cpp sends both "models" (Ollama-style) and "data": "data" is the OpenAI list.
    if (const auto* data = find(root, "data")) {
      if (!data->is_array()) return malformed("model list", upstream, "\"data\" is not an array");
      for (const auto& e : data->get_array()) {
        if (const auto* obj = e.if_object()) {
          if (auto info = decode_model(*obj)) models.push_back(std::move(*info));
        }
      }
      return models;
    }
    if (const auto* list = find_array(root, "models")) {  // LM Studio /api/v1/models
      for (const auto& e : *list) {
        if (const auto* obj = e.if_object()) {
          auto info = find(*obj, "key") ? decode_v1_model(*obj) : decode_model(*obj);
          if (info) models.push_back(std::move(*info));
        }
      }
      return models;
    }
    return malformed("model list", upstream, "no \"data\" array");
  } catch (const std::exception& e) {
    return malformed("model list", upstream, e.what());
  }
}

namespace {

// encoding_format "base64": little-endian float32 values, base64-encoded.
std::optional<std::vector<double>> decode_base64_floats(std::string_view text) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::vector<unsigned char> bytes;
  bytes.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<unsigned char>((acc >> bits) & 0xFF));
    }
  }
  if (bytes.size() % 4 != 0) return std::nullopt;
  std::vector<double> out;
  out.reserve(bytes.size() / 4);
  for (std::size_t i = 0; i < bytes.size(); i += 4) {
    const std::uint32_t u = static_cast<std::uint32_t>(bytes[i]) |
                            (static_cast<std::uint32_t>(bytes[i + 1]) << 8) |
                            (static_cast<std::uint32_t>(bytes[i + 2]) << 16) |
                            (static_cast<std::uint32_t>(bytes[i + 3]) << 24);
    float f;
    std::memcpy(&f, &u, sizeof f);
    out.push_back(f);
  }
  return out;
}

}  // namespace

bool decode_lmstudio_greeting(std::string_view body) {
  const auto parsed = detail::try_parse_json(body);
  if (!parsed || !parsed->is_object()) return false;
  return detail::get_bool(parsed->get_object(), "lmstudio").value_or(false);
}

bool decode_llamacpp_health(std::string_view body) {
  const auto parsed = detail::try_parse_json(body);
  if (!parsed || !parsed->is_object()) return false;
  return detail::get_string(parsed->get_object(), "status") == std::string_view("ok");
}

Result<EmbeddingResult> decode_embedding_response(std::string_view body,
                                                  std::string_view upstream) {
  constexpr std::string_view kWhat = "embedding response";
  try {
    auto parsed = parse_body(body, kWhat, upstream, 200);
    if (!parsed) return parsed.error();
    const auto& root = parsed->get_object();
    const auto* data = find_array(root, "data");
    if (!data) return malformed(kWhat, upstream, "no \"data\" array");
    std::vector<std::pair<std::int64_t, std::vector<double>>> indexed;
    indexed.reserve(data->size());
    for (const auto& e : *data) {
      const auto* obj = e.if_object();
      if (!obj) return malformed(kWhat, upstream, "a data entry is not an object");
      const auto* emb = find(*obj, "embedding");
      std::vector<double> vec;
      if (emb && emb->is_array()) {
        vec.reserve(emb->get_array().size());
        for (const auto& x : emb->get_array()) {
          auto d = detail::as_double(x);
          if (!d) return malformed(kWhat, upstream, "an embedding holds a non-number");
          vec.push_back(*d);
        }
      } else if (emb && emb->is_string()) {
        auto decoded = decode_base64_floats(emb->get_string());
        if (!decoded) return malformed(kWhat, upstream, "an embedding is not valid base64");
        vec = std::move(*decoded);
      } else {
        return malformed(kWhat, upstream, "a data entry has no \"embedding\"");
      }
      const auto index =
          get_int64(*obj, "index").value_or(static_cast<std::int64_t>(indexed.size()));
      indexed.emplace_back(index, std::move(vec));
    }
    std::stable_sort(indexed.begin(), indexed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    EmbeddingResult r;
    r.model = string_or_empty(root, "model");
    r.embeddings.reserve(indexed.size());
    for (auto& [index, vec] : indexed) r.embeddings.push_back(std::move(vec));
    r.usage = detail::decode_usage(find(root, "usage")).value_or(Usage{});
    return r;
  } catch (const std::exception& e) {
    return malformed(kWhat, upstream, e.what());
  }
}

Result<CompletionResult> decode_completion_response(std::string_view body,
                                                    std::string_view upstream) {
  constexpr std::string_view kWhat = "completion response";
  try {
    auto parsed = parse_body(body, kWhat, upstream, 200);
    if (!parsed) return parsed.error();
    const auto& root = parsed->get_object();
    const auto* choices = find_array(root, "choices");
    if (!choices) return malformed(kWhat, upstream, "no \"choices\" array");
    CompletionResult r;
    std::string fingerprint;
    fill_info(root, r.id, r.model, r.created, fingerprint);
    std::vector<std::pair<std::int64_t, CompletionChoice>> indexed;
    for (const auto& c : *choices) {
      const auto* obj = c.if_object();
      if (!obj) return malformed(kWhat, upstream, "a choice is not an object");
      CompletionChoice choice;
      choice.text = string_or_empty(*obj, "text");
      choice.finish_reason = decode_finish(*obj).value_or(FinishReason::kStop);
      const auto index =
          get_int64(*obj, "index").value_or(static_cast<std::int64_t>(indexed.size()));
      indexed.emplace_back(index, std::move(choice));
    }
    std::stable_sort(indexed.begin(), indexed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [index, choice] : indexed) r.choices.push_back(std::move(choice));
    r.usage = detail::decode_usage(find(root, "usage"));
    return r;
  } catch (const std::exception& e) {
    return malformed(kWhat, upstream, e.what());
  }
}

}  // namespace roci::openai_wire
