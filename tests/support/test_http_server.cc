// The server core: listener and accept loop on an io_context, script threads with poll()
// deadlines (OpenSSL on the raw socket for TLS), and the sessions' coroutine helpers.
#include "support/test_http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <csignal>
#include <tuple>

namespace roci::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kScriptBodyLimit = 64u << 20;
constexpr Ms kScriptWriteTimeout{10000};

ServerRequest to_server_request(http::request<http::string_body> message) {
  ServerRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.keep_alive = message.keep_alive();
  request.body = std::move(message.body());
  return request;
}

enum class PeekResult { kClosed, kData, kNothing };

PeekResult peek(int fd) {
  char byte = 0;
  const auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return PeekResult::kData;
  if (n == 0) return PeekResult::kClosed;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return PeekResult::kNothing;
  return PeekResult::kClosed;  // ECONNRESET and friends
}

Ms remaining(Clock::time_point deadline) {
  return std::max(Ms(0), std::chrono::ceil<Ms>(deadline - Clock::now()));
}

}  // namespace

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(Ms(1));
  }
  return true;
}

std::string response_head(int status, std::string_view content_type,
                          std::optional<std::size_t> content_length,
                          std::string_view extra_headers) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
  head += http::obsolete_reason(static_cast<http::status>(status));
  head.append("\r\nContent-Type: ").append(content_type).append("\r\n");
  if (content_length) {
    head.append("Content-Length: ").append(std::to_string(*content_length)).append("\r\n");
  } else {
    head.append("Transfer-Encoding: chunked\r\n");
  }
  head.append(extra_headers).append("\r\n");
  return head;
}

// ---- TestHttpServer

TestHttpServer::TestHttpServer(Script script, SSL_CTX* tls)
    : script_(std::move(script)), tls_(tls), acceptor_(ioc_) {
  // OpenSSL's socket BIO writes with write(2): a TLS alert or close_notify sent to a client that
  // already left would raise SIGPIPE and kill the test process. Plain writes use MSG_NOSIGNAL.
  std::signal(SIGPIPE, SIG_IGN);
  if (tls_ != nullptr) SSL_CTX_up_ref(tls_);
  start();
}

TestHttpServer::TestHttpServer(Options options, Session session)
    : options_(std::move(options)), session_(std::move(session)), acceptor_(ioc_) {
  start();
}

void TestHttpServer::start() {
  const Tcp::endpoint endpoint(asio::ip::make_address(options_.host), options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(ioc_, accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
}

TestHttpServer::~TestHttpServer() {
  ioc_.stop();
  for (auto& thread : io_threads_) thread.join();  // no accept after this
  {
    std::lock_guard lock(mutex_);
    for (int fd : script_fds_) ::shutdown(fd, SHUT_RDWR);  // unblocks the scripts
  }
  for (auto& thread : script_threads_) thread.join();
  if (tls_ != nullptr) SSL_CTX_free(tls_);
}

std::string TestHttpServer::url() const {
  return std::string(tls_ != nullptr ? "https" : "http") + "://" + options_.host + ":" +
         std::to_string(port_);
}

asio::awaitable<void> TestHttpServer::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kTuple);
    if (ec) {
      if (!acceptor_.is_open()) co_return;
      continue;
    }
    ++accepted_;
    boost::system::error_code ignored;
    socket.set_option(Tcp::no_delay(true), ignored);
    if (session_) {
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session_(std::move(socket)), asio::detached);
      continue;
    }
    const int fd = socket.release(ignored);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    script_fds_.push_back(fd);
    script_threads_.emplace_back([this, fd] { serve_script(fd); });
  }
}

void TestHttpServer::serve_script(int fd) {
  SSL* ssl = nullptr;
  if (tls_ != nullptr) {
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);  // the handshake's deadline
    timeval send_tv{kScriptWriteTimeout.count() / 1000, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_tv, sizeof send_tv);
    ssl = SSL_new(tls_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      ++tls_failures_;
      ERR_clear_error();
      SSL_free(ssl);
      ssl = nullptr;
    }
  }
  ScriptConnection conn(*this, fd, ssl);
  if (tls_ == nullptr || ssl != nullptr) script_(conn);
}

// ---- ScriptConnection

ScriptConnection::ScriptConnection(TestHttpServer& server, int fd, SSL* ssl)
    : server_(server), fd_(fd), ssl_(ssl) {}

ScriptConnection::~ScriptConnection() { close(); }

void ScriptConnection::close(bool reset) {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ < 0) return;
  {
    std::lock_guard lock(server_.mutex_);
    auto& fds = server_.script_fds_;
    fds.erase(std::remove(fds.begin(), fds.end(), fd_), fds.end());
  }
  if (reset) {
    linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  } else {
    ::shutdown(fd_, SHUT_RDWR);
  }
  ::close(fd_);
  fd_ = -1;
}

bool ScriptConnection::write(std::string_view bytes) {
  const auto deadline = Clock::now() + kScriptWriteTimeout;
  while (!bytes.empty()) {
    if (fd_ < 0) return false;
    if (ssl_ != nullptr) {
      const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) {
        ERR_clear_error();
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(remaining(deadline).count())) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool ScriptConnection::trickle(std::string_view bytes, Ms pause) {
  for (char c : bytes) {
    std::this_thread::sleep_for(pause);
    if (!write(std::string_view(&c, 1))) return false;
  }
  return true;
}

bool ScriptConnection::respond(int status, std::string_view body, std::string_view content_type,
                               std::string_view extra_headers) {
  std::string out = response_head(status, content_type, body.size(), extra_headers);
  out.append(body);
  return write(out);
}

bool ScriptConnection::start_chunked(int status, std::string_view content_type) {
  return write(response_head(status, content_type, std::nullopt));
}

long ScriptConnection::read_more(Ms timeout) {
  if (fd_ < 0) return -1;
  char chunk[16384];
  if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r == 0) return -2;
    if (r < 0) return -1;
  }
  const long n =
      ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_, chunk, sizeof chunk, 0);
  if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
  if (n < 0 && ssl_ != nullptr) {
    const int error = SSL_get_error(ssl_, static_cast<int>(n));
    ERR_clear_error();
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
  }
  return n < 0 ? -1 : n;
}

std::optional<ServerRequest> ScriptConnection::read_request(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(kScriptBodyLimit);
  for (;;) {
    if (!buffer_.empty()) {
      boost::beast::error_code ec;
      const std::size_t n = parser.put(asio::buffer(buffer_), ec);
      buffer_.erase(0, n);
      if (parser.is_done()) break;
      if (ec && ec != http::error::need_more) return std::nullopt;  // not HTTP
      if (!ec && n > 0) continue;
    }
    const long n = read_more(remaining(deadline));
    if (n <= 0) {
      // A client that leaves between requests closes; one that leaves mid-body just fails.
      if ((n == 0 || n == -1) && !parser.is_header_done()) ++server_.client_closes_;
      return std::nullopt;
    }
  }
  ++server_.requests_;
  return to_server_request(parser.release());
}

bool ScriptConnection::wait_client_close(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const Ms left = remaining(deadline);
    if (left <= Ms(0)) return false;
    const long n = read_more(left);
    if (n == -2) return false;
    if (n == 0 || n == -1) {
      ++server_.client_closes_;
      return true;
    }
    buffer_.clear();
  }
}

// ---- Session helpers

asio::awaitable<RequestRead> read_request(Tcp::socket& socket, boost::beast::flat_buffer& buffer,
                                          RequestLimits limits) {
  RequestRead out;
  if (buffer.size() == 0 && !co_await wait_readable(socket, limits.idle_timeout)) {
    out.outcome = RequestRead::Outcome::kIdle;
    co_return out;
  }
  http::request_parser<http::string_body> parser;
  parser.body_limit(limits.max_body_bytes);
  boost::system::error_code ec;
  std::size_t n = 0;
  std::tie(ec, n) = co_await http::async_read_header(socket, buffer, parser, kTuple);
  if (!ec && iequals(parser.get()[http::field::expect], "100-continue") &&
      !co_await write_all(socket, "HTTP/1.1 100 Continue\r\n\r\n")) {
    co_return out;
  }
  if (!ec && !parser.is_done()) {
    std::tie(ec, n) = co_await http::async_read(socket, buffer, parser, kTuple);
  }
  const auto& parse_errors = http::make_error_code(http::error::end_of_stream).category();
  if (!ec) {
    out.outcome = RequestRead::Outcome::kRequest;
    out.request = to_server_request(parser.release());
  } else if (ec == http::error::body_limit) {
    out.outcome = RequestRead::Outcome::kBodyTooLarge;
  } else if (ec.category() == parse_errors && ec != http::error::end_of_stream &&
             ec != http::error::partial_message) {
    out.outcome = RequestRead::Outcome::kMalformed;
  }
  co_return out;
}

asio::awaitable<bool> sleep_unless_closed(Tcp::socket& socket, Clock::duration duration) {
  if (duration <= Clock::duration::zero()) co_return false;
  asio::steady_timer timer(socket.get_executor(), duration);
  for (;;) {
    auto result =
        co_await (timer.async_wait(kTuple) || socket.async_wait(Tcp::socket::wait_read, kTuple));
    if (result.index() == 0) co_return false;
    auto [ec] = std::get<1>(result);
    if (ec) co_return true;
    switch (peek(socket.native_handle())) {
      case PeekResult::kClosed:
        co_return true;
      case PeekResult::kData: {  // a pipelined request: stop watching, just sleep
        co_await timer.async_wait(kTuple);
        co_return false;
      }
      case PeekResult::kNothing:
        break;
    }
  }
}

asio::awaitable<void> wait_until_closed(Tcp::socket& socket) {
  for (;;) {
    auto [ec] = co_await socket.async_wait(Tcp::socket::wait_read, kTuple);
    if (ec) co_return;
    const PeekResult peeked = peek(socket.native_handle());
    if (peeked == PeekResult::kClosed) co_return;
    if (peeked == PeekResult::kData) {
      // Bytes we will never read: drain them so wait_read does not spin.
      char sink[4096];
      while (::recv(socket.native_handle(), sink, sizeof sink, MSG_DONTWAIT) > 0) {
      }
    }
  }
}

asio::awaitable<bool> wait_readable(Tcp::socket& socket, Clock::duration duration) {
  asio::steady_timer timer(socket.get_executor(), duration);
  auto result =
      co_await (timer.async_wait(kTuple) || socket.async_wait(Tcp::socket::wait_read, kTuple));
  co_return result.index() == 1;
}

asio::awaitable<bool> write_all(Tcp::socket& socket, std::string_view bytes) {
  auto [ec, n] =
      co_await asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()), kTuple);
  co_return !ec;
}

void close_socket(Tcp::socket& socket, bool reset) {
  boost::system::error_code ignored;
  if (!socket.is_open()) return;
  if (reset) {
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
  } else {
    socket.shutdown(Tcp::socket::shutdown_both, ignored);
  }
  socket.close(ignored);
}

}  // namespace roci::testing
