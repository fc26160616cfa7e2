#include <roci/sdk/conversation.h>

#include <algorithm>

namespace roci {
namespace {

constexpr int kFramingTokens = 4;
constexpr int kImageTokens = 256;

int bytes_to_tokens(std::size_t bytes) { return static_cast<int>((bytes + 3) / 4); }

}  // namespace

int estimate_tokens(const ModelMessage& m) {
  std::size_t bytes = m.content.size() + m.tool_call_id.size() + m.name.size();
  int images = 0;
  for (const auto& part : m.parts) {
    if (part.type == ContentPartType::kImageUrl) ++images;
    bytes += part.text.size();
  }
  for (const auto& call : m.tool_calls) bytes += call.name.size() + call.arguments.size();
  return kFramingTokens + bytes_to_tokens(bytes) + images * kImageTokens;
}

int estimate_tokens(const std::vector<ModelMessage>& messages) {
  int total = 0;
  for (const auto& m : messages) total += estimate_tokens(m);
  return total;
}

Conversation::Conversation(std::string system_prompt) : system_prompt_(std::move(system_prompt)) {}

Conversation& Conversation::add_user(std::string text) {
  return add(ModelMessage::user(std::move(text)));
}

Conversation& Conversation::add(ModelMessage message) {
  history_.push_back(std::move(message));
  return *this;
}

Conversation& Conversation::add(const GenerationResult& result) {
  for (auto& m : to_messages(result)) history_.push_back(std::move(m));
  return *this;
}

Conversation& Conversation::add(const GenerateTextResult& result) {
  history_.insert(history_.end(), result.response_messages.begin(), result.response_messages.end());
  return *this;
}

std::vector<ModelMessage> Conversation::messages() const {
  std::vector<ModelMessage> out;
  out.reserve(history_.size() + 1);
  if (!system_prompt_.empty()) out.push_back(ModelMessage::system(system_prompt_));
  out.insert(out.end(), history_.begin(), history_.end());
  return out;
}

ProviderRequest Conversation::request(GenerationSettings settings) const {
  ProviderRequest request;
  request.messages = messages();
  request.settings = std::move(settings);
  return request;
}

bool Conversation::trim_to(int max_tokens) {
  const int system =
      system_prompt_.empty() ? 0 : estimate_tokens(ModelMessage::system(system_prompt_));
  int total = system + estimate_tokens(history_);
  // Turn starts: indexes of user messages (the first message starts a turn whatever its role).
  auto last_turn = std::find_if(history_.rbegin(), history_.rend(),
                                [](const ModelMessage& m) { return m.role == Role::kUser; });
  const std::size_t keep_from =
      last_turn == history_.rend() ? 0 : static_cast<std::size_t>(history_.rend() - last_turn - 1);
  std::size_t cut = 0;
  while (total > max_tokens && cut < keep_from) {
    // Drop the oldest turn: its first message and everything up to the next user message.
    std::size_t end = cut + 1;
    while (end < keep_from && history_[end].role != Role::kUser) ++end;
    for (std::size_t i = cut; i < end; ++i) total -= estimate_tokens(history_[i]);
    cut = end;
  }
  history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(cut));
  return total <= max_tokens;
}

}  // namespace roci
