// PooledBodyReader: the HttpBodyReader of HttpClient. Reads the body of a response whose headers
// were read on `connection`, piece by piece as it arrives, into the connection's reusable scratch
// buffer; when the body ended and both sides keep the connection alive, it goes back to the pool.
//
//   PooledBodyReader body(runner, std::move(connection), deadlines, "max_stream_bytes");
//   while (true) {
//     auto piece = co_await body.read_some();   // idle_timeout per read, capped by the total
//     if (!piece) return piece.error();
//     if (piece->empty()) break;                // end of body; the connection is pooled
//   }
//
// Errors: kTimeout (idle_timeout / request_timeout), kUpstreamError (body over the limit,
// connection closed mid-body, malformed chunking), kCancelled (per-operation cancellation; the
// connection is closed). After an error every call returns it again. Destroying the reader before
// the body ended closes the connection, unless the rest of the body is already there (at most
// 64 KiB, buffered or in the socket): it is then read without waiting and the connection pooled.
// Must not outlive the HttpClient (it returns connections to its pool).
#pragma once

#include "net/exchange_runner.h"
#include "net/http_client.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace roci::net {

class PooledBodyReader final : public HttpBodyReader {
 public:
  // `limit_setting` names the connection's body limit in messages ("max_stream_bytes").
  PooledBodyReader(ExchangeRunner& runner, std::unique_ptr<Connection> connection,
                   ExchangeDeadlines deadlines, std::string_view limit_setting);
  ~PooledBodyReader() override;
  PooledBodyReader(const PooledBodyReader&) = delete;
  PooledBodyReader& operator=(const PooledBodyReader&) = delete;
  // The moved-from reader owns no connection: its destruction does nothing.
  PooledBodyReader(PooledBodyReader&&) noexcept = default;

  int status() const override { return status_; }
  std::string_view content_type() const override { return content_type_; }
  bool read_buffered(bool cancelled) override;
  asio::awaitable<ReadResult> read() override;
  bool take_read(const ReadResult& io, bool cancelled) override;
  Result<std::string_view> piece() const override;
  asio::awaitable<Result<std::string>> read_all(std::size_t limit) override;
  // At most 64 KiB of the rest; the connection is pooled when the body ended.
  bool finish_now() override;

  // read_all() in two parts, for callers that avoid its coroutine frame when the body is already
  // buffered (HttpClient::send): read_buffered() sets up `state` and parses what is buffered; it
  // returns read_all()'s result when that completed the body (or failed), and nullopt when the
  // rest must be read: then co_await read_rest(std::move(state)). `cancelled`: the caller's
  // cancellation state; with a body still to parse, the answer is then kCancelled.
  struct ReadAllState {
    std::string body;
    std::string_view setting;  // the limit's setting named in a "too large" message; may be empty
  };
  std::optional<Result<std::string>> read_buffered(std::size_t limit, ReadAllState& state,
                                                   bool cancelled);
  asio::awaitable<Result<std::string>> read_rest(ReadAllState state);

  // Moves the content type out (send() hands it to HttpResponse without a copy).
  std::string take_content_type() { return std::move(content_type_); }

 private:
  // The deadline of the next body read (idle_timeout, capped by the total deadline).
  StepDeadline next_read_deadline() const;
  // The deadline of the read parse_piece() set on the connection.
  StepDeadline awaited_read_deadline() const;
  // read_buffered() and take_read() go on here: parses what is buffered into the piece until it
  // holds body bytes or the body ended (true, also on failure); false when that needs a read (its
  // deadline is then set).
  bool parse_piece(bool cancelled);
  // Records the error (returned by every later call) and closes the connection.
  Error fail(Error error);
  // Body complete: back to the pool when reusable, otherwise closed.
  void finish();

  ExchangeRunner* runner_;
  std::unique_ptr<Connection> connection_;
  ExchangeDeadlines deadlines_;
  std::string_view limit_setting_;
  int status_ = 0;
  std::string content_type_;
  std::optional<Error> error_;
};

}  // namespace roci::net
