// The blocking test client: POSIX sockets with poll() deadlines, framing by http_wire.h.
#include "support/test_http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <stdexcept>

namespace roci::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left before `deadline`, rounded up (poll() would spin on a rounded-down 0).
int ms_left(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on fd until the deadline: >0 ready, 0 deadline, <0 error.
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const int left = ms_left(deadline);
    if (left == 0) return 0;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, left);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

// One response being read: the framer, what it produced so far, and the SSE events not yet taken.
struct detail::ResponseReading {
  explicit ResponseReading(bool head_request)
      : framer(ResponseFramer::Options{.body_limit = 512u << 20, .head_request = head_request}) {}

  // Gives bytes to the framer; returns how many belong to this response.
  std::size_t feed(std::string_view bytes) {
    if (failed || framer.done() || bytes.empty()) return 0;
    std::size_t used = 0;
    const auto status =
        framer.feed(bytes.data(), bytes.size(), &used, [this](std::string_view piece) {
          response.body.append(piece);
          if (framer.chunked()) {
            response.chunks.resize(framer.chunks_started());
            response.chunks.back().append(piece);
          }
          sse.feed(piece, [this](std::string_view event) { events.emplace_back(event); });
        });
    response.raw.append(bytes.substr(0, used));
    if (!framer.in_head() && response.status == 0) {
      response.status = framer.status();
      response.headers = framer.headers();
      response.keep_alive = framer.keep_alive();
    }
    if (status == ResponseFramer::Status::kError) {
      failed = true;
      response.error = "malformed response: " + framer.error();
    }
    return used;
  }

  // The connection ended: a close-delimited body is complete, anything else was cut.
  void end_of_stream() {
    if (failed || framer.done()) return;
    if (framer.on_eof() == ResponseFramer::Status::kDone) return;
    response.error = framer.in_head() ? "the connection closed before a response head"
                                      : "the connection closed in the middle of the body";
  }

  TestResponse finish() {
    response.complete = framer.done() && !failed;
    if (!response.complete && response.error.empty()) {
      response.error = "no complete response before the deadline";
    }
    if (response.complete) response.keep_alive = framer.keep_alive();
    return std::move(response);
  }

  ResponseFramer framer;
  TestResponse response;
  SseSplitter sse;
  std::deque<std::string> events;
  bool failed = false;
};

boost::json::value TestResponse::json() const {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  return ec ? boost::json::value() : value;
}

TestConnection::TestConnection(unsigned short port, int receive_buffer_bytes) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(errno_text("socket"));
  if (receive_buffer_bytes > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const int flags = ::fcntl(fd_, F_GETFL);
  ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  int error = 0;
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      error = ETIMEDOUT;
      if (wait_for(fd_, POLLOUT, Clock::now() + std::chrono::seconds(10)) > 0) {
        socklen_t len = sizeof error;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
      }
    }
  }
  ::fcntl(fd_, F_SETFL, flags);
  if (error != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                             std::strerror(error));
  }
}

TestConnection::~TestConnection() { close(); }

void TestConnection::close() {
  if (fd_ < 0) return;
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  fd_ = -1;
}

void TestConnection::send(std::string_view bytes, Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    if (fd_ < 0) throw std::runtime_error("send on a closed TestConnection");
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int ready = wait_for(fd_, POLLOUT, deadline);
      if (ready == 0) throw std::runtime_error("send: the peer did not read before the deadline");
      if (ready < 0) throw std::runtime_error(errno_text("send: poll"));
      continue;
    }
    throw std::runtime_error(errno_text("send"));
  }
}

void TestConnection::send_request(std::string_view method, std::string_view target,
                                  std::string_view body, const Fields& fields) {
  if (method == "HEAD") expect_head_response();
  send(request_text(method, target, body, fields));
}

TestResponse TestConnection::request(std::string_view method, std::string_view target,
                                     std::string_view body, const Fields& fields, Ms timeout) {
  send_request(method, target, body, fields);
  TestResponse response = read_response(timeout);
  if (!response.complete) {
    throw std::runtime_error(std::string(method) + " " + std::string(target) + ": " +
                             response.error);
  }
  return response;
}

bool TestConnection::read_more(Clock::time_point deadline) {
  while (fd_ >= 0) {
    const int ready = wait_for(fd_, POLLIN, deadline);
    if (ready == 0) return false;
    if (ready > 0) {
      char buffer[16384];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        received_.append(buffer, static_cast<std::size_t>(n));
        return true;
      }
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    }
    closed_ = true;  // EOF, reset or a failed poll
    return false;
  }
  return false;
}

TestConnection::Reading& TestConnection::reading() {
  if (!reading_) reading_ = std::make_unique<Reading>(head_request_);
  return *reading_;
}

void TestConnection::feed() {
  const std::size_t used = reading().feed(received_);
  received_.erase(0, used);
}

TestResponse TestConnection::finish_reading() {
  TestResponse response = reading().finish();
  reading_.reset();
  head_request_ = false;
  return response;
}

TestResponse TestConnection::read_response(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  Reading& r = reading();
  feed();
  while (!r.framer.done() && !r.failed) {
    if (!read_more(deadline)) {
      if (closed_) r.end_of_stream();
      break;
    }
    feed();
  }
  return finish_reading();
}

TestResponse TestConnection::read_head(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  Reading& r = reading();
  feed();
  while (r.framer.in_head() && !r.failed && read_more(deadline)) feed();
  TestResponse head;
  head.status = r.response.status;
  head.headers = r.response.headers;
  head.keep_alive = r.response.keep_alive;
  head.raw = r.response.raw;
  head.error = r.response.error;
  if (r.framer.in_head() && head.error.empty()) {
    head.error = closed_ ? "the connection closed before a response head"
                         : "no response head before the deadline";
  }
  return head;
}

std::optional<std::string> TestConnection::read_event(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  Reading& r = reading();
  feed();
  while (r.events.empty()) {
    if (r.failed || r.framer.done()) return std::nullopt;
    if (!read_more(deadline)) {
      if (closed_) r.end_of_stream();
      if (r.events.empty()) return std::nullopt;
      break;
    }
    feed();
  }
  std::string event = std::move(r.events.front());
  r.events.pop_front();
  return event;
}

const std::string& TestConnection::read_until(std::string_view needle, Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (received_.find(needle) == std::string::npos && read_more(deadline)) {
  }
  return received_;
}

const std::string& TestConnection::read_to_eof(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (read_more(deadline)) {
  }
  return received_;
}

void TestConnection::shutdown_send() { ::shutdown(fd_, SHUT_WR); }

bool TestConnection::wait_for_close(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (read_more(deadline)) {
  }
  return closed_;
}

TestResponse http_call(unsigned short port, std::string_view method, std::string_view target,
                       std::string body, Fields fields, std::chrono::milliseconds timeout) {
  TestConnection connection(port);
  return connection.request(method, target, body, fields, timeout);
}

TestResponse parse_response(std::string_view raw) {
  detail::ResponseReading reading(false);
  reading.feed(raw);
  reading.end_of_stream();
  return reading.finish();
}

std::string dechunk(std::string_view chunked_body) {
  std::string raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  raw.append(chunked_body);
  return parse_response(raw).body;
}

std::vector<std::string> sse_data(std::string_view body) {
  std::vector<std::string> out;
  SseSplitter splitter;
  splitter.feed(body, [&](std::string_view event) {
    if (event.starts_with("data:") || event.find("\ndata:") != std::string_view::npos) {
      out.push_back(sse_event_data(event));
    }
  });
  return out;
}

std::vector<int> raw_statuses(std::string_view text) {
  std::vector<int> out;
  for (std::size_t pos = 0; (pos = text.find("HTTP/1.", pos)) != std::string_view::npos; ++pos) {
    if (pos + 12 > text.size()) break;
    out.push_back(std::atoi(std::string(text.substr(pos + 9, 3)).c_str()));
  }
  return out;
}

}  // namespace roci::testing
