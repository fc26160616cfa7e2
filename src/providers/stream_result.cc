#include <roci/provider/stream_result.h>

#include <type_traits>
#include <variant>

namespace roci {
namespace {

std::vector<ToolCall> in_index_order(const std::map<int, ToolCall>& calls) {
  std::vector<ToolCall> out;
  out.reserve(calls.size());
  for (const auto& [index, call] : calls) out.push_back(call);
  return out;
}

}  // namespace

void StreamResultBuilder::add(const StreamPart& part) {
  std::visit(
      [this](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, TextDelta>) {
          choice(p.choice).text += p.text;
        } else if constexpr (std::is_same_v<T, ReasoningDelta>) {
          choice(p.choice).reasoning += p.text;
        } else if constexpr (std::is_same_v<T, ToolCallDelta>) {
          ToolCall& call = choice(p.choice).tool_calls[p.index];
          if (call.id.empty()) call.id = p.id;
          if (call.name.empty()) call.name = p.name;
          call.arguments += p.arguments;
        } else {
          choice(0).finish_reason = p.reason;
          for (const auto& other : p.other_choices) {
            choice(other.choice).finish_reason = other.reason;
          }
          usage_ = p.usage;
          stats_ = p.stats;
          finished_ = true;
        }
      },
      part);
}

GenerationResult StreamResultBuilder::build(const StreamInfo& info) const {
  GenerationResult result;
  result.model = info.model;
  result.id = info.id;
  result.created = info.created;
  result.system_fingerprint = info.system_fingerprint;
  result.usage = usage_;
  result.stats = stats_;
  for (const auto& [index, c] : choices_) {
    if (index == 0) {
      result.text = c.text;
      result.reasoning = c.reasoning;
      result.tool_calls = in_index_order(c.tool_calls);
      result.finish_reason = c.finish_reason;
      continue;
    }
    result.other_choices.push_back(GenerationChoice{.index = index,
                                                    .text = c.text,
                                                    .reasoning = c.reasoning,
                                                    .tool_calls = in_index_order(c.tool_calls),
                                                    .finish_reason = c.finish_reason});
  }
  return result;
}

}  // namespace roci
