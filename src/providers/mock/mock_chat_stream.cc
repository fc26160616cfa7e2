#include "providers/mock/mock_chat_stream.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace roci::mock {

std::vector<StreamPart> content_parts(const MockPlan& plan) {
  std::vector<StreamPart> parts;
  for (const auto& r : plan.reasoning_tokens) parts.emplace_back(ReasoningDelta{r});
  for (std::size_t i = 0; i < plan.tool_calls.size(); ++i) {
    const ToolCall& call = plan.tool_calls[i];
    const int index = static_cast<int>(i);
    parts.emplace_back(ToolCallDelta{.index = index, .id = call.id, .name = call.name});
    // Arguments arrive in fragments, as LM Studio and OpenAI send them.
    const std::size_t step = std::max<std::size_t>(1, (call.arguments.size() + 2) / 3);
    for (std::size_t at = 0; at < call.arguments.size(); at += step) {
      parts.emplace_back(
          ToolCallDelta{.index = index, .arguments = call.arguments.substr(at, step)});
    }
  }
  for (const auto& t : plan.text_tokens) parts.emplace_back(TextDelta{t});
  return parts;
}

MockChatStream::MockChatStream(MockPlan plan)
    : plan_(std::move(plan)),
      info_{.id = plan_.id,
            .model = plan_.model,
            .created = plan_.created,
            .system_fingerprint = "fp_mock"},
      parts_(content_parts(plan_)) {}

asio::awaitable<Result<std::optional<StreamPart>>> MockChatStream::next() {
  if (failed_) co_return *failed_;
  if (done_) co_return std::optional<StreamPart>{};

  const bool at_finish = pos_ >= parts_.size();
  const bool text_or_finish = at_finish || std::holds_alternative<TextDelta>(parts_[pos_]);
  const bool cut_now =
      plan_.cut_after_tokens && text_or_finish && text_sent_ == *plan_.cut_after_tokens;

  if (pos_ > 0 && (!at_finish || cut_now) && plan_.token_delay.count() > 0) {
    asio::steady_timer timer(co_await asio::this_coro::executor, plan_.token_delay);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      failed_ = Error::cancelled("mock stream cancelled");
      co_return *failed_;
    }
  }
  if (cut_now) {
    failed_ = plan_.cut_error();
    co_return *failed_;
  }
  if (at_finish) {
    done_ = true;
    co_return std::optional<StreamPart>{
        Finish{.reason = plan_.finish_reason, .usage = plan_.usage}};
  }
  StreamPart part = std::move(parts_[pos_++]);
  if (std::holds_alternative<TextDelta>(part)) ++text_sent_;
  co_return std::optional<StreamPart>{std::move(part)};
}

}  // namespace roci::mock
