#include "server/api/token_estimate.h"

#include "openai_wire/json_util.h"

#include <cstddef>

namespace roci::server {
namespace {

constexpr std::size_t kBytesPerToken = 4;
constexpr int kPerMessage = 4;
constexpr int kPerImage = 85;
constexpr int kReplyPriming = 3;

}  // namespace

int estimate_prompt_tokens(const ProviderRequest& request) {
  std::size_t bytes = 0;
  int fixed = kReplyPriming;
  for (const auto& m : request.messages) {
    fixed += kPerMessage;
    bytes += m.content.size() + m.tool_call_id.size() + m.name.size();
    for (const auto& part : m.parts) {
      if (part.type == ContentPartType::kImageUrl) {
        fixed += kPerImage;
      } else {
        bytes += part.text.size();
      }
    }
    for (const auto& call : m.tool_calls) bytes += call.name.size() + call.arguments.size();
  }
  if (request.tools) {
    for (const auto& tool : *request.tools) {
      bytes += tool.name.size() + tool.description.size();
      if (!tool.parameters.is_null()) {
        bytes += openai_wire::detail::to_json(tool.parameters).size();
      }
    }
  }
  return fixed + static_cast<int>((bytes + kBytesPerToken - 1) / kBytesPerToken);
}

}  // namespace roci::server
