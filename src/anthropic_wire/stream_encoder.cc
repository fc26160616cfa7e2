// MessageStreamEncoder (messages_codec.h): StreamParts -> Anthropic's typed SSE events.

#include <utility>
#include <variant>

#include "anthropic_wire/messages_codec.h"
#include "openai_wire/json_writer.h"

namespace roci::anthropic_wire {

using namespace openai_wire::json_literals;
using openai_wire::JsonWriter;

namespace {

// `event: <name>\ndata: ` ... then the caller's JSON, then end_event().
void start_event(std::string& out, std::string_view name) {
  out += "event: ";
  out += name;
  out += "\ndata: ";
}
void end_event(std::string& out) { out += "\n\n"; }

void block_delta(std::string& out, int index, openai_wire::JsonLiteral delta_type,
                 openai_wire::JsonLiteral field, std::string_view payload) {
  start_event(out, "content_block_delta");
  JsonWriter w(out);
  w.begin_object();
  w.key("type"_js).string("content_block_delta"_js);
  w.key("index"_js).integer(index);
  w.key("delta"_js).begin_object();
  w.key("type"_js).string(delta_type);
  w.key(field).string(payload);
  w.end_object();
  w.end_object();
  end_event(out);
}

}  // namespace

MessageStreamEncoder::MessageStreamEncoder(std::string id, std::string model,
                                           MessageOptions options)
    : id_(std::move(id)), model_(std::move(model)), options_(std::move(options)) {}

std::string MessageStreamEncoder::begin() {
  std::string out;
  if (started_) return out;
  started_ = true;
  out.reserve(256 + model_.size());
  start_event(out, "message_start");
  JsonWriter w(out);
  w.begin_object();
  w.key("type"_js).string("message_start"_js);
  w.key("message"_js).begin_object();
  w.key("id"_js).string(id_);
  w.key("type"_js).string("message"_js);
  w.key("role"_js).string("assistant"_js);
  w.key("model"_js).string(model_);
  w.key("content"_js).begin_array().end_array();
  w.key("stop_reason"_js).null();
  w.key("stop_sequence"_js).null();
  // Usage is known only at the end (message_delta carries both counts).
  w.key("usage"_js).begin_object();
  w.key("input_tokens"_js).integer(0);
  w.key("output_tokens"_js).integer(0);
  w.end_object();
  w.end_object();
  w.end_object();
  end_event(out);
  return out;
}

void MessageStreamEncoder::open(std::string& out, Block kind, const ToolCallDelta* call) {
  close(out);
  block_ = kind;
  ++block_index_;
  start_event(out, "content_block_start");
  JsonWriter w(out);
  w.begin_object();
  w.key("type"_js).string("content_block_start"_js);
  w.key("index"_js).integer(block_index_);
  w.key("content_block"_js).begin_object();
  switch (kind) {
    case Block::kText:
      w.key("type"_js).string("text"_js);
      w.key("text"_js).string(""_js);
      break;
    case Block::kThinking:
      w.key("type"_js).string("thinking"_js);
      w.key("thinking"_js).string(""_js);
      w.key("signature"_js).string(""_js);
      break;
    case Block::kTool:
      w.key("type"_js).string("tool_use"_js);
      w.key("id"_js).string(call->id.empty() ? new_tool_use_id() : call->id);
      w.key("name"_js).string(call->name);
      w.key("input"_js).begin_object().end_object();
      tool_index_ = call->index;
      saw_tool_ = true;
      break;
    case Block::kNone:
      break;
  }
  w.end_object();
  w.end_object();
  end_event(out);
  if (!pinged_) {
    pinged_ = true;
    out += "event: ping\ndata: {\"type\":\"ping\"}\n\n";
  }
}

void MessageStreamEncoder::close(std::string& out) {
  if (block_ == Block::kNone) return;
  block_ = Block::kNone;
  start_event(out, "content_block_stop");
  JsonWriter w(out);
  w.begin_object();
  w.key("type"_js).string("content_block_stop"_js);
  w.key("index"_js).integer(block_index_);
  w.end_object();
  end_event(out);
}

std::string MessageStreamEncoder::encode(const StreamPart& part) {
  std::string out = begin();
  if (const auto* text = std::get_if<TextDelta>(&part)) {
    if (text->choice != 0 || text->text.empty()) return out;
    if (block_ != Block::kText) open(out, Block::kText, nullptr);
    block_delta(out, block_index_, "text_delta"_js, "text"_js, text->text);
  } else if (const auto* reasoning = std::get_if<ReasoningDelta>(&part)) {
    if (reasoning->choice != 0 || reasoning->text.empty() || !options_.emit_thinking) return out;
    if (block_ != Block::kThinking) open(out, Block::kThinking, nullptr);
    block_delta(out, block_index_, "thinking_delta"_js, "thinking"_js, reasoning->text);
  } else if (const auto* call = std::get_if<ToolCallDelta>(&part)) {
    if (call->choice != 0) return out;
    // A fragment of the open call continues it; a new index (or the first fragment) opens a block.
    // Upstreams send one call's fragments together, so a closed call is never continued.
    const bool opening = block_ != Block::kTool || call->index != tool_index_;
    if (opening) open(out, Block::kTool, call);
    if (opening || !call->arguments.empty()) {  // Anthropic opens with an empty partial_json
      block_delta(out, block_index_, "input_json_delta"_js, "partial_json"_js, call->arguments);
    }
  } else {
    const auto& finish = std::get<Finish>(part);
    close(out);
    const std::string_view reason = stop_reason(finish.reason, saw_tool_, finish.stats);
    const Usage usage = finish.usage.value_or(Usage{});
    start_event(out, "message_delta");
    JsonWriter w(out);
    w.begin_object();
    w.key("type"_js).string("message_delta"_js);
    w.key("delta"_js).begin_object();
    w.key("stop_reason"_js).string(reason);
    if (const auto stop = matched_stop_sequence(reason, options_)) {
      w.key("stop_sequence"_js).string(*stop);
    } else {
      w.key("stop_sequence"_js).null();
    }
    w.end_object();
    w.key("usage"_js).begin_object();
    w.key("input_tokens"_js).integer(usage.prompt_tokens);
    w.key("output_tokens"_js).integer(usage.completion_tokens);
    w.end_object();
    w.end_object();
    end_event(out);
    out += "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  }
  return out;
}

}  // namespace roci::anthropic_wire
