#include "providers/mock/mock_chat_stream.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace roci::mock {

namespace {

// One choice's parts in stream order: reasoning, then tool-call fragments, then text.
std::vector<StreamPart> choice_parts(const MockChoice& choice, int index) {
  std::vector<StreamPart> parts;
  for (const auto& r : choice.reasoning_tokens) parts.emplace_back(ReasoningDelta{r, index});
  for (std::size_t i = 0; i < choice.tool_calls.size(); ++i) {
    const ToolCall& call = choice.tool_calls[i];
    const int call_index = static_cast<int>(i);
    parts.emplace_back(
        ToolCallDelta{.index = call_index, .id = call.id, .name = call.name, .choice = index});
    // Arguments arrive in fragments, as LM Studio and OpenAI send them.
    const std::size_t step = std::max<std::size_t>(1, (call.arguments.size() + 2) / 3);
    for (std::size_t at = 0; at < call.arguments.size(); at += step) {
      parts.emplace_back(ToolCallDelta{
          .index = call_index, .arguments = call.arguments.substr(at, step), .choice = index});
    }
  }
  for (const auto& t : choice.text_tokens) parts.emplace_back(TextDelta{t, index});
  return parts;
}

}  // namespace

std::vector<StreamPart> content_parts(const MockPlan& plan) {
  if (plan.choices.size() == 1) return choice_parts(plan.choices.front(), 0);
  // n > 1: the choices take turns, one part each, as OpenAI interleaves them.
  std::vector<std::vector<StreamPart>> each;
  std::size_t total = 0;
  for (std::size_t c = 0; c < plan.choices.size(); ++c) {
    each.push_back(choice_parts(plan.choices[c], static_cast<int>(c)));
    total += each.back().size();
  }
  std::vector<StreamPart> parts;
  parts.reserve(total);
  for (std::size_t at = 0; parts.size() < total; ++at) {
    for (auto& choice : each) {
      if (at < choice.size()) parts.push_back(std::move(choice[at]));
    }
  }
  return parts;
}

Finish finish_of(const MockPlan& plan) {
  Finish finish{.reason = plan.choices.front().finish_reason, .usage = plan.usage};
  for (std::size_t c = 1; c < plan.choices.size(); ++c) {
    finish.other_choices.push_back(
        {.choice = static_cast<int>(c), .reason = plan.choices[c].finish_reason});
  }
  return finish;
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
    co_return std::optional<StreamPart>{finish_of(plan_)};
  }
  StreamPart part = std::move(parts_[pos_++]);
  if (std::holds_alternative<TextDelta>(part)) ++text_sent_;
  co_return std::optional<StreamPart>{std::move(part)};
}

}  // namespace roci::mock
