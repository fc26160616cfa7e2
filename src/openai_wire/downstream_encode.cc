// Response encoders of downstream_codec.h: typed results -> exactly OpenAI-shaped JSON and SSE.
//
// These run on the gateway's hot path (one chunk per token): JsonWriter appends each body into one
// string, reserved up front. The per-request and the general per-chunk encoders are flattened
// (every call with a visible body inlined): the writer then never leaves the function, its state
// lives in registers and its separator choices fold away, and the string appends are inlined. A
// plain delta, most of a stream, is three appends (ChunkEncoder::encode_into).
#include <algorithm>
#include <cassert>
#include <random>
#include <utility>

#include "openai_wire/downstream_codec.h"
#include "openai_wire/json_util.h"
#include "openai_wire/json_writer.h"

namespace roci::openai_wire {
namespace {

void write_usage(JsonWriter& w, const Usage& u) {
  w.begin_object();
  w.key("prompt_tokens"_js).integer(u.prompt_tokens);
  w.key("completion_tokens"_js).integer(u.completion_tokens);
  w.key("total_tokens"_js).integer(u.total_tokens);
  w.end_object();
}

// An OpenAI model object: id, object, created, owned_by, and LM Studio's details when known.
// owned_by is required by OpenAI clients; "organization_owner" is LM Studio's value, used when the
// provider gave none.
void write_model(JsonWriter& w, const ModelInfo& m) {
  w.begin_object();
  w.key("id"_js).string(m.id);
  w.key("object"_js).string("model"_js);
  w.key("created"_js).integer(m.created);
  if (m.owned_by.empty()) {
    w.key("owned_by"_js).string("organization_owner"_js);
  } else {
    w.key("owned_by"_js).string(m.owned_by);
  }
  auto optional_string = [&w](JsonLiteral key, const std::string& value) {
    if (!value.empty()) w.key(key).string(value);
  };
  optional_string("type"_js, m.type);
  optional_string("state"_js, m.state);
  if (m.max_context_length) w.key("max_context_length"_js).integer(*m.max_context_length);
  if (m.loaded_context_length) w.key("loaded_context_length"_js).integer(*m.loaded_context_length);
  if (!m.capabilities.empty()) {
    w.key("capabilities"_js).begin_array();
    for (const auto& c : m.capabilities) w.string(c);
    w.end_array();
  }
  optional_string("publisher"_js, m.publisher);
  optional_string("arch"_js, m.arch);
  optional_string("quantization"_js, m.quantization);
  if (!m.backends.empty()) {  // a fleet's union (FLEET.md): who has it, loaded anywhere
    w.key("backends"_js).begin_array();
    for (const auto& b : m.backends) w.string(b);
    w.end_array();
    w.key("loaded"_js).boolean(m.loaded());
  }
  w.end_object();
}

void write_tool_call_delta(JsonWriter& w, const ToolCallDelta& d) {
  w.key("tool_calls"_js).begin_array().begin_object();
  w.key("index"_js).integer(d.index);
  if (!d.id.empty()) {
    w.key("id"_js).string(d.id);
    w.key("type"_js).string("function"_js);
  }
  w.key("function"_js).begin_object();
  if (!d.name.empty()) w.key("name"_js).string(d.name);
  w.key("arguments"_js).string(d.arguments);
  w.end_object();
  w.end_object().end_array();
}

std::size_t payload_size(const StreamPart& part) {
  if (const auto* t = std::get_if<TextDelta>(&part)) return t->text.size();
  if (const auto* r = std::get_if<ReasoningDelta>(&part)) return r->text.size();
  if (const auto* c = std::get_if<ToolCallDelta>(&part)) {
    return c->id.size() + c->name.size() + c->arguments.size() + 64;
  }
  return 64;
}

void write_error(JsonWriter& w, std::string_view message, std::string_view type,
                 std::string_view param, std::string_view code,
                 const std::vector<std::string>& available_models) {
  w.begin_object();
  w.key("error"_js).begin_object();
  w.key("message"_js).string(message);
  w.key("type"_js).string(type);
  w.key("param"_js).string_or_null(param);
  w.key("code"_js).string_or_null(code);
  if (!available_models.empty()) {
    w.key("available_models"_js).begin_array();
    for (const auto& id : available_models) w.string(id);
    w.end_array();
  }
  w.end_object();
  w.end_object();
}

// {"index","message":{...},"logprobs":null,"finish_reason"}
void write_choice(JsonWriter& w, int index, std::string_view text, std::string_view reasoning,
                  const std::vector<ToolCall>& tool_calls, FinishReason finish_reason,
                  const boost::json::value& logprobs) {
  w.begin_object();
  w.key("index"_js).integer(index);
  w.key("message"_js).begin_object();
  w.key("role"_js).string("assistant"_js);
  w.key("content"_js);
  if (text.empty() && !tool_calls.empty()) {
    w.null();  // OpenAI's shape for a turn that only calls tools
  } else {
    w.string(text);
  }
  if (!reasoning.empty()) w.key("reasoning_content"_js).string(reasoning);
  if (!tool_calls.empty()) {
    w.key("tool_calls"_js).begin_array();
    for (const auto& call : tool_calls) detail::write_tool_call(w, call);
    w.end_array();
  }
  w.end_object();
  w.key("logprobs"_js).value(logprobs);  // null when the upstream sent none
  w.key("finish_reason"_js).string(to_string(finish_reason));
  w.end_object();
}

// The choice a part belongs to (Finish: 0, whose chunk carries the others' ends too).
int choice_of(const StreamPart& part) {
  if (const auto* t = std::get_if<TextDelta>(&part)) return t->choice;
  if (const auto* r = std::get_if<ReasoningDelta>(&part)) return r->choice;
  if (const auto* c = std::get_if<ToolCallDelta>(&part)) return c->choice;
  return 0;
}

}  // namespace

[[gnu::flatten]] std::string encode_chat_completion(const GenerationResult& result,
                                                    std::string_view id, std::string_view model,
                                                    std::int64_t created) {
  std::size_t payload = result.text.size() + result.reasoning.size();
  for (const auto& call : result.tool_calls) {
    payload += call.id.size() + call.name.size() + call.arguments.size() + 64;
  }
  std::string out;
  out.reserve(320 + id.size() + model.size() + result.system_fingerprint.size() + payload +
              payload / 16);
  JsonWriter w(out);
  w.begin_object();
  w.key("id"_js).string(id);
  w.key("object"_js).string("chat.completion"_js);
  w.key("created"_js).integer(created);
  w.key("model"_js).string(model);
  w.key("choices"_js).begin_array();
  write_choice(w, 0, result.text, result.reasoning, result.tool_calls, result.finish_reason,
               result.logprobs);
  for (const auto& c : result.other_choices) {  // n > 1
    write_choice(w, c.index, c.text, c.reasoning, c.tool_calls, c.finish_reason, c.logprobs);
  }
  w.end_array();
  // OpenAI always sends usage; zeros when the upstream did not report it.
  write_usage(w.key("usage"_js), result.usage.value_or(Usage{}));
  if (!result.system_fingerprint.empty()) {
    w.key("system_fingerprint"_js).string(result.system_fingerprint);
  }
  w.end_object();
  return out;
}

bool ChunkEncoder::take_other_role(int choice) {
  if (std::find(other_roles_sent_.begin(), other_roles_sent_.end(), choice) !=
      other_roles_sent_.end()) {
    return false;
  }
  other_roles_sent_.push_back(choice);
  return true;
}

ChunkEncoder::ChunkEncoder(std::string_view id, std::string_view model, std::int64_t created) {
  // Room for the members as written (escapes beyond the eighth byte grow it once).
  head_.reserve(64 + id.size() + model.size() + (id.size() + model.size()) / 8);
  JsonWriter w(head_);
  w.begin_object();
  w.key("id"_js).string(id);
  w.key("object"_js).string("chat.completion.chunk"_js);
  w.key("created"_js).integer(created);
  w.key("model"_js).string(model);
  w.end_object();
  head_.pop_back();  // the members, without the braces
  head_.erase(0, 1);

  // A plain delta's bytes around its text, cut from what the general path writes for an empty
  // text: the fast path writes exactly what the general one would. The last `"content":""` is the
  // delta's (the id and model before it are escaped: their quotes have backslashes).
  std::string plain;
  role_sent_ = true;
  encode_general_into(TextDelta{}, plain);
  role_sent_ = false;
  constexpr std::string_view kKey = R"("content":)";
  const std::size_t key_at = plain.rfind(R"("content":"")");
  assert(key_at != std::string::npos);
  const std::size_t text_at = key_at + kKey.size();
  plain_suffix_.assign(plain, text_at + 2);  // after the empty text's two quotes
  plain.resize(text_at);
  plain_prefix_ = std::move(plain);
}

std::string ChunkEncoder::encode(const StreamPart& part) {
  std::string out;
  encode_into(part, out);
  return out;
}

void ChunkEncoder::encode_into(const StreamPart& part, std::string& out) {
  if (const auto* text = std::get_if<TextDelta>(&part);
      text != nullptr && text->choice == 0 && role_sent_ && text->logprobs.is_null()) {
    out.reserve(out.size() + plain_prefix_.size() + text->text.size() + text->text.size() / 8 +
                plain_suffix_.size() + 2);
    out.append(plain_prefix_);
    detail::append_escaped(out, text->text);
    out.append(plain_suffix_);
    return;
  }
  encode_general_into(part, out);
}

[[gnu::flatten]] void ChunkEncoder::encode_general_into(const StreamPart& part, std::string& out) {
  out.reserve(out.size() + head_.size() + 128 + payload_size(part) + payload_size(part) / 8);
  out.append("data: ");
  JsonWriter w(out);
  w.begin_object().members(head_);
  w.key("choices"_js).begin_array().begin_object();
  const int choice = choice_of(part);
  w.key("index"_js).integer(choice);
  w.key("delta"_js).begin_object();
  if (choice == 0 ? !std::exchange(role_sent_, true) : take_other_role(choice)) {
    w.key("role"_js).string("assistant"_js);
  }
  const Finish* finish = nullptr;
  const boost::json::value* logprobs = nullptr;
  if (const auto* text = std::get_if<TextDelta>(&part)) {
    w.key("content"_js).string(text->text);
    if (!text->logprobs.is_null()) logprobs = &text->logprobs;
  } else if (const auto* reasoning = std::get_if<ReasoningDelta>(&part)) {
    w.key("reasoning_content"_js).string(reasoning->text);
  } else if (const auto* call = std::get_if<ToolCallDelta>(&part)) {
    write_tool_call_delta(w, *call);
  } else {
    finish = std::get_if<Finish>(&part);
  }
  w.end_object();
  if (logprobs) {
    w.key("logprobs"_js).value(*logprobs);
  } else {
    w.key("logprobs"_js).null();
  }
  if (finish) {
    w.key("finish_reason"_js).string(to_string(finish->reason));
  } else {
    w.key("finish_reason"_js).null();
  }
  w.end_object();
  if (finish) {
    for (const auto& other : finish->other_choices) {  // n > 1: they end in the same chunk
      w.begin_object();
      w.key("index"_js).integer(other.choice);
      w.key("delta"_js).begin_object();
      if (other.choice != 0 && take_other_role(other.choice)) {
        w.key("role"_js).string("assistant"_js);
      }
      w.end_object();
      w.key("logprobs"_js).null();
      w.key("finish_reason"_js).string(to_string(other.reason));
      w.end_object();
    }
  }
  w.end_array();
  if (finish && finish->usage) write_usage(w.key("usage"_js), *finish->usage);
  w.end_object();
  out.append("\n\n");
}

[[gnu::flatten]] void ChunkEncoder::usage_chunk_into(const Usage& usage, std::string& out) const {
  out.reserve(out.size() + head_.size() + 128);
  out.append("data: ");
  JsonWriter w(out);
  w.begin_object().members(head_);
  w.key("choices"_js).begin_array().end_array();
  write_usage(w.key("usage"_js), usage);
  w.end_object();
  out.append("\n\n");
}

std::string encode_sse_error(std::string_view message, std::string_view type,
                             std::string_view code) {
  std::string out("data: ");
  JsonWriter w(out);
  write_error(w, message, type, {}, code, {});
  out.append("\n\n");
  return out;
}

std::string encode_error_body(std::string_view message, std::string_view type,
                              std::string_view param, std::string_view code,
                              const std::vector<std::string>& available_models) {
  std::string out;
  JsonWriter w(out);
  write_error(w, message, type, param, code, available_models);
  return out;
}

std::string encode_model_list(const std::vector<ModelInfo>& models) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("object"_js).string("list"_js);
  w.key("data"_js).begin_array();
  for (const auto& m : models) write_model(w, m);
  w.end_array();
  w.end_object();
  return out;
}

std::string encode_model(const ModelInfo& model) {
  std::string out;
  JsonWriter w(out);
  write_model(w, model);
  return out;
}

std::string encode_embedding_response(const EmbeddingResult& result) {
  std::size_t values = 0;
  for (const auto& e : result.embeddings) values += e.size();
  std::string out;
  out.reserve(128 + result.model.size() + values * 22);
  JsonWriter w(out);
  w.begin_object();
  w.key("object"_js).string("list"_js);
  w.key("data"_js).begin_array();
  for (std::size_t i = 0; i < result.embeddings.size(); ++i) {
    w.begin_object();
    w.key("object"_js).string("embedding"_js);
    w.key("index"_js).integer(static_cast<std::int64_t>(i));
    w.key("embedding"_js).begin_array();
    for (const double v : result.embeddings[i]) w.number(v);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("model"_js).string(result.model);
  w.key("usage"_js).begin_object();
  w.key("prompt_tokens"_js).integer(result.usage.prompt_tokens);
  w.key("total_tokens"_js).integer(result.usage.total_tokens);
  w.end_object();
  w.end_object();
  return out;
}

std::string encode_completion_response(const CompletionResult& result) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("id"_js).string(result.id);
  w.key("object"_js).string("text_completion"_js);
  w.key("created"_js).integer(result.created);
  w.key("model"_js).string(result.model);
  w.key("choices"_js).begin_array();
  for (std::size_t i = 0; i < result.choices.size(); ++i) {
    w.begin_object();
    w.key("text"_js).string(result.choices[i].text);
    w.key("index"_js).integer(static_cast<std::int64_t>(i));
    w.key("logprobs"_js).null();
    w.key("finish_reason"_js).string(to_string(result.choices[i].finish_reason));
    w.end_object();
  }
  w.end_array();
  write_usage(w.key("usage"_js), result.usage.value_or(Usage{}));
  w.end_object();
  return out;
}

std::string new_completion_id(std::string_view prefix) {
  constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  std::string out(prefix);
  out.reserve(prefix.size() + 24);
  std::uint64_t bits = 0;
  int left = 0;
  for (int i = 0; i < 24; ++i) {
    if (left == 0) {
      bits = rng();
      left = 10;  // ten base-36 digits from each 64-bit draw (36^10 < 2^52); bias is negligible
    }
    out.push_back(kAlphabet[bits % 36]);
    bits /= 36;
    --left;
  }
  return out;
}

}  // namespace roci::openai_wire
