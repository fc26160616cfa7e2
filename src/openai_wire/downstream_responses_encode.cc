// Encoders of downstream_responses.h: response objects and the Responses stream's typed events.
#include <utility>
#include <variant>

#include "openai_wire/downstream_responses.h"
#include "openai_wire/json_writer.h"

namespace roci::openai_wire {
namespace {

std::string_view type_name(ResponseOutputItem::Type type) {
  switch (type) {
    case ResponseOutputItem::Type::kReasoning:
      return "reasoning";
    case ResponseOutputItem::Type::kMessage:
      return "message";
    case ResponseOutputItem::Type::kFunctionCall:
      return "function_call";
  }
  return "message";
}

std::string_view id_prefix(ResponseOutputItem::Type type) {
  switch (type) {
    case ResponseOutputItem::Type::kReasoning:
      return "rs_";
    case ResponseOutputItem::Type::kMessage:
      return "msg_";
    case ResponseOutputItem::Type::kFunctionCall:
      return "fc_";
  }
  return "msg_";
}

// {"type":"output_text","text":…,"annotations":[]} or {"type":"reasoning_text","text":…}
void write_part(JsonWriter& w, ResponseOutputItem::Type type, std::string_view text) {
  w.begin_object();
  if (type == ResponseOutputItem::Type::kReasoning) {
    w.key("type"_js).string("reasoning_text"_js);
    w.key("text"_js).string(text);
  } else {
    w.key("type"_js).string("output_text"_js);
    w.key("text"_js).string(text);
    w.key("annotations"_js).begin_array().end_array();
    w.key("logprobs"_js).begin_array().end_array();
  }
  w.end_object();
}

// An output item; `in_progress` while streaming (its text then as far as it got).
void write_item(JsonWriter& w, const ResponseOutputItem& item, bool in_progress) {
  const auto status =
      in_progress ? "in_progress"_js : (item.completed ? "completed"_js : "incomplete"_js);
  w.begin_object();
  w.key("id"_js).string(item.id);
  w.key("type"_js).string(type_name(item.type));
  switch (item.type) {
    case ResponseOutputItem::Type::kReasoning:
      w.key("summary"_js).begin_array().end_array();
      w.key("content"_js).begin_array();
      if (!in_progress) write_part(w, item.type, item.text);
      w.end_array();
      break;
    case ResponseOutputItem::Type::kMessage:
      w.key("status"_js).string(status);
      w.key("role"_js).string("assistant"_js);
      w.key("content"_js).begin_array();
      if (!in_progress) write_part(w, item.type, item.text);
      w.end_array();
      break;
    case ResponseOutputItem::Type::kFunctionCall:
      w.key("status"_js).string(status);
      w.key("call_id"_js).string(item.call_id);
      w.key("name"_js).string(item.name);
      w.key("arguments"_js).string(in_progress ? std::string_view() : item.text);
      break;
  }
  w.end_object();
}

void write_usage(JsonWriter& w, const std::optional<Usage>& usage) {
  if (!usage) {
    w.null();
    return;
  }
  w.begin_object();
  w.key("input_tokens"_js).integer(usage->prompt_tokens);
  w.key("input_tokens_details"_js).begin_object();
  w.key("cached_tokens"_js).integer(0);
  w.key("cache_write_tokens"_js).integer(0);
  w.end_object();
  w.key("output_tokens"_js).integer(usage->completion_tokens);
  w.key("output_tokens_details"_js)
      .begin_object()
      .key("reasoning_tokens"_js)
      .integer(0)
      .end_object();
  w.key("total_tokens"_js).integer(usage->total_tokens);
  w.end_object();
}

struct ObjectState {
  std::string_view status;
  std::string_view incomplete_reason;
  std::optional<std::int64_t> completed_at;
  std::string_view error_code;  // "" : error null
  std::string_view error_message;
};

void write_response(JsonWriter& w, const ResponseHead& head,
                    const std::vector<ResponseOutputItem>& output, const ObjectState& state,
                    const std::optional<Usage>& usage) {
  w.begin_object();
  w.key("id"_js).string(head.id);
  w.key("object"_js).string("response"_js);
  w.key("created_at"_js).integer(head.created_at);
  w.key("status"_js).string(state.status);
  w.key("background"_js).boolean(false);
  w.key("completed_at"_js);
  if (state.completed_at) {
    w.integer(*state.completed_at);
  } else {
    w.null();
  }
  w.key("error"_js);
  if (state.error_code.empty()) {
    w.null();
  } else {
    w.begin_object();
    w.key("code"_js).string(state.error_code);
    w.key("message"_js).string(state.error_message);
    w.end_object();
  }
  w.key("incomplete_details"_js);
  if (state.incomplete_reason.empty()) {
    w.null();
  } else {
    w.begin_object().key("reason"_js).string(state.incomplete_reason).end_object();
  }
  w.key("model"_js).string(head.model);
  w.key("output"_js).begin_array();
  const bool in_progress = state.status == "in_progress";
  for (const auto& item : output) write_item(w, item, in_progress);
  w.end_array();
  w.key("usage"_js);
  write_usage(w, usage);
  if (!head.echo.empty()) w.members(head.echo);
  w.end_object();
}

}  // namespace

std::vector<ResponseOutputItem> response_output(const GenerationResult& result) {
  using Type = ResponseOutputItem::Type;
  std::vector<ResponseOutputItem> out;
  const bool complete = response_outcome(result.finish_reason).incomplete_reason.empty();
  if (!result.reasoning.empty()) {
    out.push_back({.type = Type::kReasoning,
                   .id = new_completion_id(id_prefix(Type::kReasoning)),
                   .text = result.reasoning});
  }
  if (!result.text.empty() || result.tool_calls.empty()) {
    out.push_back({.type = Type::kMessage,
                   .id = new_completion_id(id_prefix(Type::kMessage)),
                   .text = result.text,
                   .completed = complete});
  }
  for (const auto& call : result.tool_calls) {
    out.push_back({.type = Type::kFunctionCall,
                   .id = new_completion_id(id_prefix(Type::kFunctionCall)),
                   .text = call.arguments,
                   .call_id = call.id.empty() ? new_completion_id("call_") : call.id,
                   .name = call.name,
                   .completed = complete});
  }
  return out;
}

std::vector<ModelMessage> output_messages(const std::vector<ResponseOutputItem>& output) {
  std::vector<ModelMessage> out;
  for (const auto& item : output) {
    if (item.type == ResponseOutputItem::Type::kMessage) {
      out.push_back(ModelMessage::assistant(item.text));
    } else if (item.type == ResponseOutputItem::Type::kFunctionCall) {
      ToolCall call{.id = item.call_id, .name = item.name, .arguments = item.text};
      if (!out.empty() && out.back().role == Role::kAssistant) {
        out.back().tool_calls.push_back(std::move(call));
      } else {
        out.push_back(ModelMessage::assistant(std::vector<ToolCall>{std::move(call)}));
      }
    }
  }
  return out;
}

ResponseOutcome response_outcome(FinishReason reason) {
  if (reason == FinishReason::kLength) return {"incomplete", "max_output_tokens"};
  if (reason == FinishReason::kContentFilter) return {"incomplete", "content_filter"};
  return {};
}

std::string encode_response(const ResponseHead& head, const std::vector<ResponseOutputItem>& output,
                            const ResponseOutcome& outcome, const std::optional<Usage>& usage,
                            std::int64_t completed_at) {
  std::string out;
  out.reserve(512 + head.echo.size());
  JsonWriter w(out);
  std::optional<std::int64_t> done_at;
  if (outcome.incomplete_reason.empty()) done_at = completed_at;
  write_response(w, head, output,
                 ObjectState{.status = outcome.status,
                             .incomplete_reason = outcome.incomplete_reason,
                             .completed_at = done_at},
                 usage);
  return out;
}

std::string encode_response_deleted(std::string_view id) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("id"_js).string(id);
  w.key("object"_js).string("response"_js);
  w.key("deleted"_js).boolean(true);
  w.end_object();
  return out;
}

ResponsesEventEncoder::ResponsesEventEncoder(ResponseHead head) : head_(std::move(head)) {}

// "event: <type>\ndata: {"type":"<type>",<members>,"sequence_number":N}\n\n"
void ResponsesEventEncoder::event(std::string& out, std::string_view type,
                                  const std::string& json_members) {
  out.append("event: ").append(type).append("\ndata: ");
  JsonWriter w(out);
  w.begin_object();
  w.key("type"_js).string(type);
  if (!json_members.empty()) w.members(json_members);
  w.key("sequence_number"_js).integer(sequence_++);
  w.end_object();
  out.append("\n\n");
}

std::string ResponsesEventEncoder::response_event(std::string_view type, std::string_view status,
                                                  std::string_view incomplete_reason,
                                                  const std::optional<Usage>& usage,
                                                  std::string_view error_code,
                                                  std::string_view error_message) {
  std::string object;
  JsonWriter w(object);
  std::optional<std::int64_t> completed_at;
  if (status == "completed") completed_at = head_.created_at;
  write_response(w, head_, output_,
                 ObjectState{.status = status,
                             .incomplete_reason = incomplete_reason,
                             .completed_at = completed_at,
                             .error_code = error_code,
                             .error_message = error_message},
                 usage);
  std::string members = "\"response\":" + object;
  std::string out;
  event(out, type, members);
  if (status != "in_progress") final_ = std::move(object);
  return out;
}

std::string ResponsesEventEncoder::open() {
  std::string out = response_event("response.created", "in_progress", {}, std::nullopt, {}, {});
  out += response_event("response.in_progress", "in_progress", {}, std::nullopt, {}, {});
  return out;
}

ResponseOutputItem& ResponsesEventEncoder::open_item(std::string& out, ResponseOutputItem item) {
  const ResponseOutputItem::Type type = item.type;
  item.id = new_completion_id(id_prefix(type));
  output_.push_back(std::move(item));
  item_open_ = true;
  const ResponseOutputItem& opened = output_.back();
  const auto index = static_cast<std::int64_t>(output_.size() - 1);
  std::string members;
  {
    JsonWriter w(members);
    w.begin_object();
    w.key("output_index"_js).integer(index);
    w.key("item"_js);
    write_item(w, opened, true);
    w.end_object();
  }
  // members of the object just written, without its braces
  event(out, "response.output_item.added", members.substr(1, members.size() - 2));
  if (type != ResponseOutputItem::Type::kFunctionCall) {
    std::string part;
    JsonWriter w(part);
    w.begin_object();
    w.key("item_id"_js).string(opened.id);
    w.key("output_index"_js).integer(index);
    w.key("content_index"_js).integer(0);
    w.key("part"_js);
    write_part(w, type, {});
    w.end_object();
    event(out, "response.content_part.added", part.substr(1, part.size() - 2));
  }
  return output_.back();
}

void ResponsesEventEncoder::close_item(std::string& out) {
  if (!item_open_) return;
  item_open_ = false;
  open_tool_index_ = -1;
  const ResponseOutputItem& item = output_.back();
  const auto index = static_cast<std::int64_t>(output_.size() - 1);
  // The literals stay outside the generic lambda: clang 14 does not evaluate a consteval call
  // there and leaves an undefined symbol.
  constexpr JsonLiteral item_id_key = "item_id"_js;
  constexpr JsonLiteral output_index_key = "output_index"_js;
  auto members = [&](auto&& body) {
    std::string m;
    JsonWriter w(m);
    w.begin_object();
    w.key(item_id_key).string(item.id);
    w.key(output_index_key).integer(index);
    body(w);
    w.end_object();
    return m.substr(1, m.size() - 2);
  };
  switch (item.type) {
    case ResponseOutputItem::Type::kFunctionCall:
      event(out, "response.function_call_arguments.done", members([&](JsonWriter& w) {
              w.key("name"_js).string(item.name);
              w.key("arguments"_js).string(item.text);
            }));
      break;
    case ResponseOutputItem::Type::kMessage:
    case ResponseOutputItem::Type::kReasoning: {
      const bool reasoning = item.type == ResponseOutputItem::Type::kReasoning;
      event(out, reasoning ? "response.reasoning_text.done" : "response.output_text.done",
            members([&](JsonWriter& w) {
              w.key("content_index"_js).integer(0);
              w.key("text"_js).string(item.text);
            }));
      event(out, "response.content_part.done", members([&](JsonWriter& w) {
              w.key("content_index"_js).integer(0);
              w.key("part"_js);
              write_part(w, item.type, item.text);
            }));
      break;
    }
  }
  std::string done;
  {
    JsonWriter w(done);
    w.begin_object();
    w.key("output_index"_js).integer(index);
    w.key("item"_js);
    write_item(w, item, false);
    w.end_object();
  }
  event(out, "response.output_item.done", done.substr(1, done.size() - 2));
}

std::string ResponsesEventEncoder::encode(const StreamPart& part) {
  using Type = ResponseOutputItem::Type;
  std::string out;
  std::string_view delta;
  std::string_view delta_event;
  if (const auto* text = std::get_if<TextDelta>(&part)) {
    if (text->choice != 0 || text->text.empty()) return out;
    if (!item_open_ || output_.back().type != Type::kMessage) {
      close_item(out);
      open_item(out, {.type = Type::kMessage});
    }
    delta = text->text;
    delta_event = "response.output_text.delta";
  } else if (const auto* reasoning = std::get_if<ReasoningDelta>(&part)) {
    if (reasoning->choice != 0 || reasoning->text.empty()) return out;
    if (!item_open_ || output_.back().type != Type::kReasoning) {
      close_item(out);
      open_item(out, {.type = Type::kReasoning});
    }
    delta = reasoning->text;
    delta_event = "response.reasoning_text.delta";
  } else if (const auto* call = std::get_if<ToolCallDelta>(&part)) {
    if (call->choice != 0) return out;
    if (!item_open_ || output_.back().type != Type::kFunctionCall ||
        open_tool_index_ != call->index) {
      close_item(out);
      // The item is announced with its call id and name; they come with a call's first fragment.
      open_item(out, {.type = Type::kFunctionCall,
                      .call_id = call->id.empty() ? new_completion_id("call_") : call->id,
                      .name = call->name});
      open_tool_index_ = call->index;
    }
    delta = call->arguments;
    delta_event = "response.function_call_arguments.delta";
  } else {
    return out;  // Finish: finish()
  }
  if (delta.empty()) return out;
  ResponseOutputItem& item = output_.back();
  item.text.append(delta);
  std::string members;
  {
    JsonWriter w(members);
    w.begin_object();
    w.key("item_id"_js).string(item.id);
    w.key("output_index"_js).integer(static_cast<std::int64_t>(output_.size() - 1));
    if (item.type != Type::kFunctionCall) w.key("content_index"_js).integer(0);
    w.key("delta"_js).string(delta);
    if (item.type == Type::kMessage) w.key("logprobs"_js).begin_array().end_array();
    w.end_object();
  }
  event(out, delta_event, members.substr(1, members.size() - 2));
  return out;
}

std::string ResponsesEventEncoder::finish(const Finish& finish) {
  std::string out;
  const ResponseOutcome outcome = response_outcome(finish.reason);
  if (output_.empty()) {
    // An answer with no text still has its (empty) message, as a complete response has.
    open_item(out, {.type = ResponseOutputItem::Type::kMessage});
  }
  if (item_open_ && !outcome.incomplete_reason.empty()) output_.back().completed = false;
  close_item(out);
  out += response_event(
      outcome.incomplete_reason.empty() ? "response.completed" : "response.incomplete",
      outcome.status, outcome.incomplete_reason, finish.usage, {}, {});
  return out;
}

std::string ResponsesEventEncoder::fail(std::string_view code, std::string_view message) {
  return response_event("response.failed", "failed", {}, std::nullopt,
                        code.empty() ? std::string_view("server_error") : code, message);
}

}  // namespace roci::openai_wire
