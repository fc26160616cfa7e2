#include "server/http/http1_response_writer.h"

#include "net/coro_util.h"
#include "net/immediate_io.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>
#include <cstring>
#include <ctime>

namespace roci::server {

using namespace std::string_view_literals;
namespace {

using std::chrono::steady_clock;

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
// Pending output past which queue_event writes at once; a buffer grown past it is let go after
// the write.
constexpr std::size_t kMaxQueuedEventBytes = 64u << 10;

// "Sun, 06 Nov 1994 08:49:37 GMT", formatted at most once per second per thread.
std::string_view http_date() {
  thread_local char buf[64];
  thread_local std::size_t len = 0;
  thread_local std::time_t last = 0;
  const std::time_t now = std::time(nullptr);
  if (now != last) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    last = now;
  }
  return {buf, len};
}

// Appends "name: value\r\n"; CR and LF are dropped (no header injection through values).
void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": "sv);
  if (value.empty() || (std::memchr(value.data(), '\r', value.size()) == nullptr &&
                        std::memchr(value.data(), '\n', value.size()) == nullptr)) {
    out.append(value).append(kCrlf);  // the usual value: nothing to drop
    return;
  }
  std::size_t run = 0;  // start of the bytes not appended yet
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r' || value[i] == '\n') {
      out.append(value.data() + run, i - run);
      run = i + 1;
    }
  }
  out.append(value.data() + run, value.size() - run).append(kCrlf);
}

asio::const_buffer buf(std::string_view s) { return {s.data(), s.size()}; }

asio::awaitable<Result<void>> completed(Result<void> result) { co_return result; }

}  // namespace

std::string& Http1ResponseWriter::start_head(int status, std::string_view content_type,
                                             const Headers& extra) {
  std::string& out = conn_.pending_output;
  out.clear();
  out.append(request_.version() == 10 ? "HTTP/1.0 "sv : "HTTP/1.1 "sv);
  char digits[8];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
  out.append(digits, end).push_back(' ');
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  out.append(reason.empty() || reason == "<unknown-status>" ? std::string_view("Unknown")
                                                            : std::string_view(reason));
  out.append(kCrlf);
  if (!content_type.empty()) append_field(out, "Content-Type", content_type);
  for (const auto& [name, value] : extra) append_field(out, name, value);
  for (const auto& [name, value] : common_) append_field(out, name, value);
  out.append("Server: roci\r\nDate: "sv).append(http_date()).append(kCrlf);
  append_field(out, "X-Request-Id", log_.request_id);
  if (conn_.stopping.load(std::memory_order_relaxed)) keep_alive_ = false;
  out.append(keep_alive_ ? "Connection: keep-alive\r\n"sv : "Connection: close\r\n"sv);
  return out;
}

Result<void> Http1ResponseWriter::written(boost::system::error_code ec, std::size_t n) {
  conn_.node.disarm();
  bytes_out_ += n;
  log_.bytes_out = bytes_out_;
  if (!ec) return Result<void>{};
  broken_ = true;
  state_ = State::kDone;
  log_.status = 499;
  return Error::cancelled(conn_.node.timed_out ? "the client did not read the response in time"
                                               : "the client connection failed: " + ec.message());
}

std::optional<Error> Http1ResponseWriter::response_refusal() const {
  if (broken_) return Error::cancelled();
  if (state_ != State::kNone) return Error::internal("a response was already sent");
  return std::nullopt;
}

void Http1ResponseWriter::frame_response(int status, std::string_view content_type,
                                         std::string& body, const Headers& extra) {
  std::string& out = start_head(status, content_type, extra);
  if (status == 204 || status == 304) {  // no body and no Content-Length (RFC 9110 8.6, 8.8)
    body.clear();
    out.append(kCrlf);
  } else {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body.size());
    out.append("Content-Length: "sv).append(digits, end).append("\r\n\r\n"sv);
  }
  state_ = State::kDone;
  log_.status = status;
}

// Not a coroutine: the checks and the head are synchronous, and the write is write_pending's.
asio::awaitable<Result<void>> Http1ResponseWriter::send(int status, std::string_view content_type,
                                                        std::string body, Headers extra) {
  if (auto refused = response_refusal()) return completed(std::move(*refused));
  frame_response(status, content_type, body, extra);
  return write_pending(std::move(body));  // head and body in one gather write
}

std::optional<Result<void>> Http1ResponseWriter::send_now(int status, std::string_view content_type,
                                                          std::string body, const Headers& extra) {
  if (auto refused = response_refusal()) return Result<void>(std::move(*refused));
  frame_response(status, content_type, body, extra);
  return write_now(body);  // the rest, if any, waits for flush()
}

asio::awaitable<Result<void>> Http1ResponseWriter::start_event_stream(Headers extra) {
  if (broken_) co_return Error::cancelled();
  if (state_ != State::kNone) co_return Error::internal("a response was already sent");
  // HTTP/1.0 has no chunked encoding: the body ends when the connection closes.
  chunked_ = request_.version() >= 11;
  if (!chunked_) keep_alive_ = false;
  std::string& out = start_head(200, "text/event-stream", extra);
  out.append("Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"sv);
  out.append(chunked_ ? "Transfer-Encoding: chunked\r\n\r\n"sv : "\r\n"sv);
  if (conn_.read_buffer != nullptr && conn_.read_buffer->size() == 0) {
    conn_.read_buffer->shrink_to_fit();
  }
  state_ = State::kStreaming;  // the head stays pending until the first write
  log_.status = 200;
  log_.stream = true;
  co_return Result<void>{};
}

void Http1ResponseWriter::append_event(std::string_view event) {
  std::string& out = conn_.pending_output;
  if (!chunked_) {
    out.append(event);
    return;
  }
  char size_line[20];
  auto [end, ec] = std::to_chars(size_line, size_line + 16, event.size(), 16);
  end[0] = '\r';
  end[1] = '\n';
  out.append(size_line, static_cast<std::size_t>(end + 2 - size_line)).append(event).append(kCrlf);
}

void Http1ResponseWriter::clear_pending_output() {
  std::string& out = conn_.pending_output;
  out.clear();
  if (out.capacity() > kMaxQueuedEventBytes) std::string().swap(out);  // a burst's buffer: let go
}

std::optional<Result<void>> Http1ResponseWriter::write_now(std::string_view body) {
  std::string& out = conn_.pending_output;
  const std::size_t total = out.size() + body.size();
  if (total == 0) return Result<void>{};
  const std::array<asio::const_buffer, 2> whole{buf(out), buf(body)};
  boost::system::error_code ec;
  const std::size_t n = net::send_now(conn_.socket, whole, ec);
  if (!ec && n < total) {  // the rest waits, in order
    if (n < out.size()) {
      out.erase(0, n);
      out.append(body);
    } else {
      out.assign(body.substr(n - out.size()));
    }
    bytes_out_ += n;
    return std::nullopt;
  }
  clear_pending_output();
  return written(ec, n);
}

asio::awaitable<Result<void>> Http1ResponseWriter::write_pending(std::string body) {
  if (auto done = write_now(body)) co_return std::move(*done);
  std::string().swap(body);  // its rest is in the pending output now
  std::string& out = conn_.pending_output;
  conn_.node.arm(conn_.write_timeout);
  auto [ec, n] = co_await asio::async_write(conn_.socket, asio::buffer(out), net::kToken);
  clear_pending_output();
  co_return written(ec, n);
}

// The event calls below are not coroutines: they check and queue at once and return the write's
// coroutine (or one that only reports), so an event costs one coroutine frame, not two.
std::optional<Error> Http1ResponseWriter::stream_refusal() const {
  if (broken_) return Error::cancelled();
  if (state_ != State::kStreaming) return Error::internal("no event stream is open");
  return std::nullopt;
}

asio::awaitable<Result<void>> Http1ResponseWriter::send_event(std::string_view event) {
  if (auto refused = stream_refusal()) return completed(std::move(*refused));
  if (!event.empty()) append_event(event);  // an empty chunk would end the body
  return write_pending();
}

std::optional<Result<void>> Http1ResponseWriter::send_event_now(std::string_view event) {
  if (auto refused = stream_refusal()) return Result<void>(std::move(*refused));
  if (!event.empty()) append_event(event);  // an empty chunk would end the body
  return write_now({});                     // the rest, if any, waits for flush()
}

asio::awaitable<Result<void>> Http1ResponseWriter::queue_event(std::string_view event) {
  if (auto refused = stream_refusal()) return completed(std::move(*refused));
  if (!event.empty()) append_event(event);
  if (conn_.pending_output.size() < kMaxQueuedEventBytes) return completed(Result<void>{});
  return write_pending();
}

// Also the end of a send_now() whose rest waits: the response is complete, not streaming.
asio::awaitable<Result<void>> Http1ResponseWriter::flush() {
  if (broken_) return completed(Error::cancelled());
  if (state_ == State::kNone) return completed(Error::internal("no response was started"));
  return write_pending();
}

asio::awaitable<Result<void>> Http1ResponseWriter::end_event_stream() {
  if (auto refused = stream_refusal()) return completed(std::move(*refused));
  state_ = State::kDone;
  if (chunked_) conn_.pending_output.append(kLastChunk);
  return write_pending();
}

}  // namespace roci::server
