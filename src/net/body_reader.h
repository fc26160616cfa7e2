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
// the body ended closes the connection. Must not outlive the HttpClient (it returns connections
// to its pool).
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

  int status() const override { return status_; }
  std::string_view content_type() const override { return content_type_; }
  asio::awaitable<Result<std::string_view>> read_some() override;
  asio::awaitable<Result<std::string>> read_all(std::size_t limit) override;

  // Moves the content type out (send() hands it to HttpResponse without a copy).
  std::string take_content_type() { return std::move(content_type_); }

 private:
  // The deadline of the next body read (idle_timeout, capped by the total deadline).
  StepDeadline next_read_deadline() const;
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
