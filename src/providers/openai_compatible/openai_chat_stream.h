// OpenAiChatStream: a ChatStream over an OpenAI-style SSE body (/v1/chat/completions, stream=true).
//
//   auto stream = std::make_unique<OpenAiChatStream>(std::move(body), "LM Studio at http://...",
//   opts); if (auto first = co_await stream->open(); !first) co_return first.error();  // first
//   event while (auto part = co_await stream->next()) { if (!*part) break; ... }
//
// Parts come out in upstream order (TextDelta, ReasoningDelta, ToolCallDelta; empty deltas are
// dropped), then exactly one Finish. The finish_reason is held back until usage arrived (LM Studio
// and OpenAI send it in a trailing `choices: []` chunk) and every choice seen finished (n > 1: the
// others' reasons go to Finish::other_choices), or `[DONE]`, or the end of the body, so the one
// Finish carries usage. Tolerated: role on any chunk, ':' comment pings, llama.cpp
// `timings` (kept as Finish::stats), `[DONE]` with or without its blank line, a body that ends
// right after the finish chunk. Errors: an `{"error": ...}` event (kUpstreamError or what it
// describes); a body that ends without finish_reason and without [DONE] (kUpstreamError "connection
// closed mid-stream"); net's idle / total deadlines (kTimeout); cancellation (kCancelled).
//
// Ownership: the stream owns the HttpBodyReader; destroying it before the body ended closes the
// upstream connection (LM Studio then stops generating). After Finish, next() reads what is left of
// the body for a short moment so the connection can go back to the pool.
#pragma once

#include "net/http_client.h"
#include "openai_wire/fast_path_decode.h"
#include "openai_wire/sse_parser.h"
#include "openai_wire/upstream_codec.h"

#include <roci/provider/chat_stream.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace roci {

class OpenAiChatStream final : public ChatStream {
 public:
  OpenAiChatStream(std::unique_ptr<net::HttpBodyReader> body, std::string upstream,
                   std::size_t max_event_bytes);
  // A stream replaying a complete (non-streamed) result: for servers that ignore `stream: true`.
  static std::unique_ptr<OpenAiChatStream> replay(const GenerationResult& result,
                                                  std::string upstream);

  const StreamInfo& info() const override { return info_; }
  asio::awaitable<Result<std::optional<StreamPart>>> next() override;
  bool ready() override;
  std::optional<StreamPart> next_ready() override;

  // Reads until the first SSE event was decoded (an error event is returned as the Error).
  asio::awaitable<Result<void>> open();

 private:
  Result<bool> advance();
  Result<bool> take_piece(Result<std::string_view> piece);
  // After Finish: the rest of the body ([DONE], the chunked terminator) when it is already there,
  // read without waiting (true); else drain_rest() waits for it, within kDrainBudget.
  bool rest_read_now();
  asio::awaitable<void> drain_rest();
  Result<void> drain_parser();
  Result<void> handle_event(std::string_view data);
  void take_common_chunk(const openai_wire::detail::CommonShape& shape);
  void take_chunk(openai_wire::DecodedChunk&& chunk);
  Result<void> on_end_of_body();
  void queue_finish();
  void note_choice(int choice);
  Result<std::optional<StreamPart>> fail(Error error);
  bool has_pending() const { return pending_head_ < pending_.size(); }
  std::optional<StreamPart> take_pending();  // built in place: a part moves once on its way out

  std::unique_ptr<net::HttpBodyReader> body_;
  openai_wire::SseParser parser_;
  std::string upstream_;
  StreamInfo info_;
  // Decoded parts not yet returned: [pending_head_, size). A vector reused for the stream's life
  // (a deque would allocate a block every few parts).
  std::vector<StreamPart> pending_;
  std::size_t pending_head_ = 0;
  std::optional<FinishReason> finish_reason_;  // choice 0's
  std::vector<ChoiceFinish> other_finishes_;   // n > 1: the other choices that finished
  std::vector<int> other_choices_seen_;        // n > 1: the other choices that appeared
  std::optional<Usage> usage_;
  std::optional<ProviderStats> stats_;
  std::string scratch_;  // unescaped strings of the chunk being scanned, reused across chunks
  openai_wire::detail::ChunkScanner chunk_scanner_;
  std::optional<Error> deferred_error_;  // returned once the parts decoded before it are out
  int events_ = 0;                       // data events decoded successfully
  bool saw_done_ = false;
  bool body_ended_ = false;
  bool parser_finished_ = false;
  bool finish_queued_ = false;
  bool finish_returned_ = false;
  bool failed_ = false;
};

}  // namespace roci
