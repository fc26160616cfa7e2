// Response encoders of downstream_codec.h: typed results -> exactly OpenAI-shaped JSON and SSE.
//
// These run on the gateway's hot path (one chunk per token), so they append into one string with
// the escaping helpers of json_util.h instead of building boost::json trees.
#include <algorithm>
#include <random>
#include <utility>

#include "openai_wire/downstream_codec.h"
#include "openai_wire/json_util.h"

namespace roci::openai_wire {
namespace {

using detail::append_json_double;
using detail::append_json_int;
using detail::append_json_string;
using detail::append_tool_call;

void append_usage(std::string& out, const Usage& u) {
  out.append("{\"prompt_tokens\":");
  append_json_int(out, u.prompt_tokens);
  out.append(",\"completion_tokens\":");
  append_json_int(out, u.completion_tokens);
  out.append(",\"total_tokens\":");
  append_json_int(out, u.total_tokens);
  out.push_back('}');
}

void append_nullable(std::string& out, std::string_view s) {
  if (s.empty()) {
    out.append("null");
  } else {
    append_json_string(out, s);
  }
}

// Members of an OpenAI model object after "id": the object, created, owned_by, and LM Studio's
// details when known. owned_by is required by OpenAI clients; "organization_owner" is LM
// Studio's value, used when the provider gave none.
void append_model(std::string& out, const ModelInfo& m) {
  out.append("{\"id\":");
  append_json_string(out, m.id);
  out.append(",\"object\":\"model\",\"created\":");
  append_json_int(out, m.created);
  out.append(",\"owned_by\":");
  append_json_string(out, m.owned_by.empty() ? std::string_view("organization_owner")
                                             : std::string_view(m.owned_by));
  auto optional_string = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    out.append(",\"").append(key).append("\":");
    append_json_string(out, value);
  };
  optional_string("type", m.type);
  optional_string("state", m.state);
  if (m.max_context_length) {
    out.append(",\"max_context_length\":");
    append_json_int(out, *m.max_context_length);
  }
  if (m.loaded_context_length) {
    out.append(",\"loaded_context_length\":");
    append_json_int(out, *m.loaded_context_length);
  }
  if (!m.capabilities.empty()) {
    out.append(",\"capabilities\":[");
    for (std::size_t i = 0; i < m.capabilities.size(); ++i) {
      if (i) out.push_back(',');
      append_json_string(out, m.capabilities[i]);
    }
    out.push_back(']');
  }
  optional_string("publisher", m.publisher);
  optional_string("arch", m.arch);
  optional_string("quantization", m.quantization);
  out.push_back('}');
}

// {"index","message":{...},"logprobs":null,"finish_reason"}
void append_choice(std::string& out, int index, std::string_view text, std::string_view reasoning,
                   const std::vector<ToolCall>& tool_calls, FinishReason finish_reason) {
  if (index == 0) {
    out.append("{\"index\":0");
  } else {
    out.append("{\"index\":");
    append_json_int(out, index);
  }
  out.append(",\"message\":{\"role\":\"assistant\",\"content\":");
  if (text.empty() && !tool_calls.empty()) {
    out.append("null");  // OpenAI's shape for a turn that only calls tools
  } else {
    append_json_string(out, text);
  }
  if (!reasoning.empty()) {
    out.append(",\"reasoning_content\":");
    append_json_string(out, reasoning);
  }
  if (!tool_calls.empty()) {
    out.append(",\"tool_calls\":[");
    for (std::size_t i = 0; i < tool_calls.size(); ++i) {
      if (i) out.push_back(',');
      append_tool_call(out, tool_calls[i]);
    }
    out.push_back(']');
  }
  out.append("},\"logprobs\":null,\"finish_reason\":");
  append_json_string(out, to_string(finish_reason));
  out.push_back('}');
}

}  // namespace

std::string encode_chat_completion(const GenerationResult& result, std::string_view id,
                                   std::string_view model, std::int64_t created) {
  std::string out;
  out.reserve(256 + result.text.size() + result.reasoning.size());
  out.append("{\"id\":");
  append_json_string(out, id);
  out.append(",\"object\":\"chat.completion\",\"created\":");
  append_json_int(out, created);
  out.append(",\"model\":");
  append_json_string(out, model);
  out.append(",\"choices\":[");
  append_choice(out, 0, result.text, result.reasoning, result.tool_calls, result.finish_reason);
  for (const auto& c : result.other_choices) {  // n > 1
    out.push_back(',');
    append_choice(out, c.index, c.text, c.reasoning, c.tool_calls, c.finish_reason);
  }
  // OpenAI always sends usage; zeros when the upstream did not report it.
  out.append("],\"usage\":");
  append_usage(out, result.usage.value_or(Usage{}));
  if (!result.system_fingerprint.empty()) {
    out.append(",\"system_fingerprint\":");
    append_json_string(out, result.system_fingerprint);
  }
  out.push_back('}');
  return out;
}

// id_ and model_ hold the already-escaped JSON strings (quotes included): escaped once, not per
// chunk.
ChunkEncoder::ChunkEncoder(std::string id, std::string model, std::int64_t created)
    : created_(created) {
  append_json_string(id_, id);
  append_json_string(model_, model);
}

namespace {

void open_chunk(std::string& out, std::string_view id_json, std::string_view model_json,
                std::int64_t created) {
  out.append("data: {\"id\":").append(id_json);
  out.append(",\"object\":\"chat.completion.chunk\",\"created\":");
  append_json_int(out, created);
  out.append(",\"model\":").append(model_json);
}

struct DeltaWriter {
  std::string& out;
  bool& first;
  void sep() {
    if (!first) out.push_back(',');
    first = false;
  }
  void operator()(const TextDelta& d) {
    sep();
    out.append("\"content\":");
    append_json_string(out, d.text);
  }
  void operator()(const ReasoningDelta& d) {
    sep();
    out.append("\"reasoning_content\":");
    append_json_string(out, d.text);
  }
  void operator()(const ToolCallDelta& d) {
    sep();
    out.append("\"tool_calls\":[{\"index\":");
    append_json_int(out, d.index);
    if (!d.id.empty()) {
      out.append(",\"id\":");
      append_json_string(out, d.id);
      out.append(",\"type\":\"function\"");
    }
    out.append(",\"function\":{");
    if (!d.name.empty()) {
      out.append("\"name\":");
      append_json_string(out, d.name);
      out.push_back(',');
    }
    out.append("\"arguments\":");
    append_json_string(out, d.arguments);
    out.append("}}]");
  }
  void operator()(const Finish&) {}
};

std::size_t payload_size(const StreamPart& part) {
  if (const auto* t = std::get_if<TextDelta>(&part)) return t->text.size();
  if (const auto* r = std::get_if<ReasoningDelta>(&part)) return r->text.size();
  if (const auto* c = std::get_if<ToolCallDelta>(&part)) {
    return c->id.size() + c->name.size() + c->arguments.size() + 64;
  }
  return 64;
}

// The choice a part belongs to (Finish: 0, whose chunk carries the others' ends too).
int choice_of(const StreamPart& part) {
  if (const auto* t = std::get_if<TextDelta>(&part)) return t->choice;
  if (const auto* r = std::get_if<ReasoningDelta>(&part)) return r->choice;
  if (const auto* c = std::get_if<ToolCallDelta>(&part)) return c->choice;
  return 0;
}

}  // namespace

bool ChunkEncoder::take_other_role(int choice) {
  if (std::find(other_roles_sent_.begin(), other_roles_sent_.end(), choice) !=
      other_roles_sent_.end()) {
    return false;
  }
  other_roles_sent_.push_back(choice);
  return true;
}

std::string ChunkEncoder::encode(const StreamPart& part) {
  std::string out;
  out.reserve(id_.size() + model_.size() + 160 + payload_size(part) + payload_size(part) / 8);
  open_chunk(out, id_, model_, created_);
  bool first = true;
  if (const int choice = choice_of(part); choice == 0) {
    out.append(",\"choices\":[{\"index\":0,\"delta\":{");
    if (!std::exchange(role_sent_, true)) {
      out.append("\"role\":\"assistant\"");
      first = false;
    }
  } else {  // n > 1
    out.append(",\"choices\":[{\"index\":");
    append_json_int(out, choice);
    out.append(",\"delta\":{");
    if (take_other_role(choice)) {
      out.append("\"role\":\"assistant\"");
      first = false;
    }
  }
  std::visit(DeltaWriter{out, first}, part);
  out.append("},\"logprobs\":null,\"finish_reason\":");
  const auto* finish = std::get_if<Finish>(&part);
  if (!finish) {
    out.append("null}]");
  } else {
    append_json_string(out, to_string(finish->reason));
    out.push_back('}');
    for (const auto& other : finish->other_choices) {  // n > 1: they end in the same chunk
      out.append(",{\"index\":");
      append_json_int(out, other.choice);
      out.append(other.choice != 0 && take_other_role(other.choice)
                     ? ",\"delta\":{\"role\":\"assistant\"}"
                     : ",\"delta\":{}");
      out.append(",\"logprobs\":null,\"finish_reason\":");
      append_json_string(out, to_string(other.reason));
      out.push_back('}');
    }
    out.push_back(']');
  }
  if (finish && finish->usage) {
    out.append(",\"usage\":");
    append_usage(out, *finish->usage);
  }
  out.append("}\n\n");
  return out;
}

std::string ChunkEncoder::usage_chunk(const Usage& usage) const {
  std::string out;
  out.reserve(id_.size() + model_.size() + 160);
  open_chunk(out, id_, model_, created_);
  out.append(",\"choices\":[],\"usage\":");
  append_usage(out, usage);
  out.append("}\n\n");
  return out;
}

std::string encode_sse_error(std::string_view message, std::string_view type,
                             std::string_view code) {
  std::string out("data: {\"error\":{\"message\":");
  append_json_string(out, message);
  out.append(",\"type\":");
  append_json_string(out, type);
  out.append(",\"param\":null,\"code\":");
  append_nullable(out, code);
  out.append("}}\n\n");
  return out;
}

std::string encode_error_body(std::string_view message, std::string_view type,
                              std::string_view param, std::string_view code,
                              const std::vector<std::string>& available_models) {
  std::string out("{\"error\":{\"message\":");
  append_json_string(out, message);
  out.append(",\"type\":");
  append_json_string(out, type);
  out.append(",\"param\":");
  append_nullable(out, param);
  out.append(",\"code\":");
  append_nullable(out, code);
  if (!available_models.empty()) {
    out.append(",\"available_models\":[");
    for (std::size_t i = 0; i < available_models.size(); ++i) {
      if (i) out.push_back(',');
      append_json_string(out, available_models[i]);
    }
    out.push_back(']');
  }
  out.append("}}");
  return out;
}

std::string encode_model_list(const std::vector<ModelInfo>& models) {
  std::string out("{\"object\":\"list\",\"data\":[");
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (i) out.push_back(',');
    append_model(out, models[i]);
  }
  out.append("]}");
  return out;
}

std::string encode_model(const ModelInfo& model) {
  std::string out;
  append_model(out, model);
  return out;
}

std::string encode_embedding_response(const EmbeddingResult& result) {
  std::size_t values = 0;
  for (const auto& e : result.embeddings) values += e.size();
  std::string out;
  out.reserve(128 + result.model.size() + values * 22);
  out.append("{\"object\":\"list\",\"data\":[");
  for (std::size_t i = 0; i < result.embeddings.size(); ++i) {
    if (i) out.push_back(',');
    out.append("{\"object\":\"embedding\",\"index\":");
    append_json_int(out, static_cast<std::int64_t>(i));
    out.append(",\"embedding\":[");
    const auto& vec = result.embeddings[i];
    for (std::size_t j = 0; j < vec.size(); ++j) {
      if (j) out.push_back(',');
      append_json_double(out, vec[j]);
    }
    out.append("]}");
  }
  out.append("],\"model\":");
  append_json_string(out, result.model);
  out.append(",\"usage\":{\"prompt_tokens\":");
  append_json_int(out, result.usage.prompt_tokens);
  out.append(",\"total_tokens\":");
  append_json_int(out, result.usage.total_tokens);
  out.append("}}");
  return out;
}

std::string encode_completion_response(const CompletionResult& result) {
  std::string out("{\"id\":");
  append_json_string(out, result.id);
  out.append(",\"object\":\"text_completion\",\"created\":");
  append_json_int(out, result.created);
  out.append(",\"model\":");
  append_json_string(out, result.model);
  out.append(",\"choices\":[");
  for (std::size_t i = 0; i < result.choices.size(); ++i) {
    if (i) out.push_back(',');
    out.append("{\"text\":");
    append_json_string(out, result.choices[i].text);
    out.append(",\"index\":");
    append_json_int(out, static_cast<std::int64_t>(i));
    out.append(",\"logprobs\":null,\"finish_reason\":");
    append_json_string(out, to_string(result.choices[i].finish_reason));
    out.push_back('}');
  }
  out.append("],\"usage\":");
  append_usage(out, result.usage.value_or(Usage{}));
  out.push_back('}');
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
