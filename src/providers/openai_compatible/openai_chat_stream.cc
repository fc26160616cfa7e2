#include "providers/openai_compatible/openai_chat_stream.h"

#include "net/coro_util.h"
#include "openai_wire/fast_path_decode.h"
#include "openai_wire/upstream_codec.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string_view>
#include <utility>

namespace roci {
namespace {

// After Finish: how long to wait for the rest of the body ([DONE], chunked terminator) before
// giving up on reusing the connection, and how much of it to read.
constexpr std::chrono::milliseconds kDrainBudget{200};
constexpr std::size_t kDrainLimit = 64u << 10;
// Decoded parts whose room the stream keeps once they were taken (more came in one read: freed).
constexpr std::size_t kKeptPendingParts = 8;
// The scanner's scratch room (unescaped strings) kept between events.
constexpr std::size_t kKeptScratchBytes = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_empty_part(const StreamPart& part) {
  if (const auto* t = std::get_if<TextDelta>(&part))
    return t->text.empty() && t->logprobs.is_null();
  if (const auto* r = std::get_if<ReasoningDelta>(&part)) return r->text.empty();
  if (const auto* c = std::get_if<ToolCallDelta>(&part)) {
    return c->id.empty() && c->name.empty() && c->arguments.empty();
  }
  return false;
}

int choice_of(const TextDelta& d) { return d.choice; }
int choice_of(const ReasoningDelta& d) { return d.choice; }
int choice_of(const ToolCallDelta& d) { return d.choice; }
int choice_of(const Finish&) { return 0; }

void merge_info(StreamInfo& into, const StreamInfo& from) {
  if (into.id.empty()) into.id = from.id;
  if (into.model.empty()) into.model = from.model;
  if (into.created == 0) into.created = from.created;
  if (into.system_fingerprint.empty()) into.system_fingerprint = from.system_fingerprint;
}

}  // namespace

OpenAiChatStream::OpenAiChatStream(std::unique_ptr<net::HttpBodyReader> body, std::string upstream,
                                   std::size_t max_event_bytes)
    : body_(std::move(body)), parser_(max_event_bytes), upstream_(std::move(upstream)) {}

std::unique_ptr<OpenAiChatStream> OpenAiChatStream::replay(const GenerationResult& result,
                                                           std::string upstream) {
  auto stream = std::make_unique<OpenAiChatStream>(nullptr, std::move(upstream), 0);
  stream->info_ = StreamInfo{.id = result.id,
                             .model = result.model,
                             .created = result.created,
                             .system_fingerprint = result.system_fingerprint};
  auto replay_choice = [&stream](int choice, const std::string& reasoning, const std::string& text,
                                 const std::vector<ToolCall>& calls) {
    if (!reasoning.empty()) stream->pending_.emplace_back(ReasoningDelta{reasoning, choice});
    if (!text.empty()) stream->pending_.emplace_back(TextDelta{text, choice});
    int index = 0;
    for (const auto& call : calls) {
      stream->pending_.emplace_back(
          ToolCallDelta{index++, call.id, call.name, call.arguments, choice});
    }
  };
  replay_choice(0, result.reasoning, result.text, result.tool_calls);
  for (const auto& c : result.other_choices) {
    replay_choice(c.index, c.reasoning, c.text, c.tool_calls);
    stream->other_finishes_.push_back({.choice = c.index, .reason = c.finish_reason});
    stream->other_choices_seen_.push_back(c.index);
  }
  stream->finish_reason_ = result.finish_reason;
  stream->usage_ = result.usage;
  stream->stats_ = result.stats;
  stream->events_ = 1;
  stream->body_ended_ = true;
  stream->parser_finished_ = true;
  stream->queue_finish();
  return stream;
}

asio::awaitable<Result<void>> OpenAiChatStream::open() {
  while (events_ == 0 && !has_pending()) {
    auto advanced = advance();
    if (advanced && !*advanced) advanced = take_piece(co_await body_->read_some());
    if (!advanced) {
      failed_ = true;
      co_return advanced.error();
    }
  }
  co_return Result<void>{};
}

// The reads happen here, not in a helper coroutine: a frame per level stays alive for as long as
// the stream waits on its upstream (minutes, thousands of streams).
asio::awaitable<Result<std::optional<StreamPart>>> OpenAiChatStream::next() {
  if (failed_) {
    co_return Error::internal("ChatStream::next() called after the stream failed");
  }
  if (finish_returned_) {
    if (!rest_read_now()) co_await drain_rest();
    co_return std::optional<StreamPart>{};
  }
  while (!has_pending()) {
    auto advanced = advance();
    if (advanced && !*advanced) {
      // The body's next piece, its socket read awaited in this frame (not a read_some() frame
      // per event).
      const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
      bool decided = body_->read_buffered(net::is_cancelled(state));
      while (!decided) {
        const auto io = co_await body_->read();
        decided = body_->take_read(io, net::is_cancelled(state));
      }
      advanced = take_piece(body_->piece());
    }
    if (!advanced) co_return fail(advanced.error());
  }
  co_return take_pending();
}

std::optional<StreamPart> OpenAiChatStream::next_ready() {
  if (failed_ || finish_returned_) return std::nullopt;
  if (!has_pending()) {
    ready();                                  // decodes what is buffered
    if (!has_pending()) return std::nullopt;  // I/O, an error or the end of the body: next()
  }
  return take_pending();
}

std::optional<StreamPart> OpenAiChatStream::take_pending() {
  std::optional<StreamPart> part(std::in_place, std::move(pending_[pending_head_]));
  if (++pending_head_ == pending_.size()) {
    // Drained: a few parts' capacity is kept for the next ones; a burst's is given back (a stream
    // may wait for minutes).
    if (pending_.capacity() > kKeptPendingParts) {
      std::vector<StreamPart>().swap(pending_);
    } else {
      pending_.clear();
    }
    pending_head_ = 0;
  }
  if (std::holds_alternative<Finish>(*part)) finish_returned_ = true;
  return part;
}

bool OpenAiChatStream::ready() {
  if (failed_ || finish_returned_) return false;  // after Finish, next() drains the socket
  if (has_pending() || deferred_error_ || finish_queued_) return true;
  if (body_ended_) return true;  // on_end_of_body() needs no I/O
  if (auto decoded = drain_parser(); !decoded) {
    deferred_error_ = decoded.error();  // advance() returns it once the parts before it are out
    return true;
  }
  return has_pending() || finish_queued_;
}

Result<std::optional<StreamPart>> OpenAiChatStream::fail(Error error) {
  failed_ = true;
  pending_.clear();
  pending_head_ = 0;
  body_.reset();  // closes the upstream connection
  return error;
}

// Makes progress without I/O: decodes the events already buffered, or handles the end of the body.
// False when nothing could be done without reading more of the body; callers then read once and
// hand the piece to take_piece().
Result<bool> OpenAiChatStream::advance() {
  if (deferred_error_) return *std::exchange(deferred_error_, std::nullopt);
  const int events_before = events_;
  if (auto decoded = drain_parser(); !decoded) {
    // An error as the first event fails the setup; after that, the parts decoded before the bad
    // event are delivered first and the error follows them.
    if (events_ == 0) return decoded.error();
    deferred_error_ = decoded.error();
    return true;
  }
  // An event that yielded no part (a role-only first chunk) is progress too: open() is waiting
  // for the first event, not for the first token, which may be seconds away.
  if (has_pending() || finish_queued_ || events_ != events_before) return true;
  if (body_ended_) {
    if (auto ended = on_end_of_body(); !ended) return ended.error();
    return true;
  }
  if (!body_) {  // a replayed result has no body
    body_ended_ = true;
    return true;
  }
  return false;
}

Result<bool> OpenAiChatStream::take_piece(Result<std::string_view> piece) {
  if (!piece) {
    Error error = piece.error();
    if (error.kind == ErrorKind::kUpstreamError && finish_reason_) {
      // Cut after the finish chunk: the answer is complete, only usage / [DONE] went missing.
      body_ended_ = true;
      return true;
    }
    if (error.kind == ErrorKind::kUpstreamError) {
      error.message = "connection closed mid-stream: " + error.message;
    }
    return error;
  }
  if (piece->empty()) {
    body_ended_ = true;
  } else {
    parser_.feed(*piece);
  }
  return true;
}

// Decodes buffered events until one yielded a part (or the Finish was queued) or none is left: a
// burst's parts are decoded one at a time as they are taken, not all held at once (each holds its
// text on the heap).
Result<void> OpenAiChatStream::drain_parser() {
  while (!finish_queued_ && !has_pending() && parser_.may_have_event()) {
    auto data = parser_.next_data();
    if (!data) return data.error();
    if (!*data) return {};
    if (auto handled = handle_event(**data); !handled) return handled;
  }
  return {};
}

Result<void> OpenAiChatStream::handle_event(std::string_view raw) {
  const std::string_view data = trim(raw);
  if (data.empty()) return {};
  if (data == "[DONE]") {
    ++events_;
    saw_done_ = true;
    queue_finish();
    return {};
  }
  openai_wire::detail::CommonShape shape;
  if (chunk_scanner_.scan(data, shape, scratch_)) {
    take_common_chunk(shape);
    // A large event's room is given back: the stream may wait for minutes.
    if (scratch_.capacity() > kKeptScratchBytes) std::string().swap(scratch_);
  } else {
    auto chunk = openai_wire::detail::decode_chat_chunk_tree(data, upstream_);
    if (!chunk) return chunk.error();
    take_chunk(std::move(*chunk));
  }
  ++events_;
  // Usage completes the answer once every choice finished; without it, wait for [DONE] or the
  // end of the body.
  if (finish_reason_ && usage_ && other_finishes_.size() == other_choices_seen_.size()) {
    queue_finish();
  }
  return {};
}

// The common shape (one choice, index 0): its fields straight from the scanned spans; the stream's
// info is copied only while a field is still unknown.
void OpenAiChatStream::take_common_chunk(const openai_wire::detail::CommonShape& shape) {
  if (info_.id.empty()) info_.id = shape.id;
  if (info_.model.empty()) info_.model = shape.model;
  if (info_.created == 0) info_.created = shape.created;
  if (info_.system_fingerprint.empty()) info_.system_fingerprint = shape.system_fingerprint;
  if (shape.has_usage) usage_ = shape.usage();
  if (!shape.has_choice) return;
  if (shape.has_message) {
    if (const auto reasoning = shape.reasoning_text(); reasoning && !reasoning->empty()) {
      std::get<ReasoningDelta>(pending_.emplace_back(std::in_place_type<ReasoningDelta>)).text =
          *reasoning;
    }
    if (shape.content && !shape.content->empty()) {
      std::get<TextDelta>(pending_.emplace_back(std::in_place_type<TextDelta>)).text =
          *shape.content;
    }
  }
  if (shape.finish_reason) finish_reason_ = parse_finish_reason(*shape.finish_reason);
}

void OpenAiChatStream::take_chunk(openai_wire::DecodedChunk&& chunk) {
  merge_info(info_, chunk.info);
  for (auto& part : chunk.parts) {
    if (is_empty_part(part)) continue;
    if (const int choice = std::visit([](const auto& p) { return choice_of(p); }, part)) {
      note_choice(choice);
    }
    pending_.push_back(std::move(part));
  }
  if (chunk.stats) stats_ = std::move(chunk.stats);
  if (chunk.usage) usage_ = chunk.usage;
  if (chunk.finish_reason) finish_reason_ = chunk.finish_reason;
  for (const ChoiceFinish& f : chunk.other_finishes) {
    note_choice(f.choice);
    auto known = std::find_if(other_finishes_.begin(), other_finishes_.end(),
                              [&f](const ChoiceFinish& g) { return g.choice == f.choice; });
    if (known == other_finishes_.end()) {
      other_finishes_.push_back(f);
    } else {
      known->reason = f.reason;
    }
  }
}

void OpenAiChatStream::note_choice(int choice) {
  if (std::find(other_choices_seen_.begin(), other_choices_seen_.end(), choice) ==
      other_choices_seen_.end()) {
    other_choices_seen_.push_back(choice);
  }
}

Result<void> OpenAiChatStream::on_end_of_body() {
  if (!parser_finished_) {
    parser_finished_ = true;
    parser_.finish();
    if (auto decoded = drain_parser(); !decoded) return decoded;
    if (has_pending() || finish_queued_) return {};
  }
  if (finish_reason_ || saw_done_) {
    queue_finish();
    return {};
  }
  return Error::upstream(upstream_ + ": connection closed mid-stream (the body ended without a " +
                         "finish_reason or [DONE])");
}

void OpenAiChatStream::queue_finish() {
  if (finish_queued_) return;
  finish_queued_ = true;
  std::sort(other_finishes_.begin(), other_finishes_.end(),
            [](const ChoiceFinish& a, const ChoiceFinish& b) { return a.choice < b.choice; });
  pending_.push_back(Finish{.reason = finish_reason_.value_or(FinishReason::kStop),
                            .usage = usage_,
                            .stats = std::move(stats_),
                            .other_choices = std::move(other_finishes_)});
}

bool OpenAiChatStream::rest_read_now() {
  if (!body_ || body_ended_) return true;
  if (!body_->finish_now()) return false;
  body_ended_ = true;
  return true;
}

asio::awaitable<void> OpenAiChatStream::drain_rest() {
  using namespace asio::experimental::awaitable_operators;  // NOLINT(google-build-using-namespace)
  asio::steady_timer timer(co_await asio::this_coro::executor, kDrainBudget);
  auto rest = co_await (body_->read_all(kDrainLimit) ||
                        timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  body_ended_ = true;
  if (rest.index() != 0 || !std::get<0>(rest)) body_.reset();  // not at the end: just close
}

}  // namespace roci
