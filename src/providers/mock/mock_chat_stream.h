// MockChatStream: the ChatStream the mock returns; replays a MockPlan part by part.
//
//   auto stream = std::make_unique<roci::mock::MockChatStream>(std::move(plan));
//   auto part = co_await stream->next();   // ReasoningDelta*, TextDelta* | ToolCallDelta*, Finish
//                                          // (n > 1: the choices' deltas interleave)
//
// Timing: `token_delay` passes before every part but the first (the first event already arrived
// when MockProvider::stream() returned). The wait is a steady_timer created in the awaiting
// coroutine, so per-operation cancellation (e.g. asio's `||`) ends it at once with kCancelled;
// between next() calls nothing is pending and destruction is immediate.
// Faults: with `cut_after_tokens` = N, after N text deltas next() returns kUpstreamError
// "mock stream cut after N tokens".
#pragma once

#include <roci/provider/chat_stream.h>

#include "providers/mock/mock_plan.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace roci::mock {

class MockChatStream final : public ChatStream {
 public:
  explicit MockChatStream(MockPlan plan);

  const StreamInfo& info() const override { return info_; }
  asio::awaitable<Result<std::optional<StreamPart>>> next() override;

 private:
  MockPlan plan_;
  StreamInfo info_;
  std::vector<StreamPart> parts_;  // content parts; Finish is produced after them
  std::size_t pos_ = 0;
  int text_sent_ = 0;
  bool done_ = false;
  std::optional<Error> failed_;
};

// The content parts of a plan, in stream order: per choice reasoning, then text or tool-call
// fragments; with n > 1 the choices take turns, one part each.
std::vector<StreamPart> content_parts(const MockPlan& plan);
// The Finish of a plan: choice 0's reason, the others' in other_choices, usage.
Finish finish_of(const MockPlan& plan);

}  // namespace roci::mock
