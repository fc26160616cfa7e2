#include "net/connection.h"

#include "net/coro_util.h"
#include "net/immediate_io.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <tuple>

namespace roci::net {
namespace {

namespace http = beast::http;
using error_code = boost::system::error_code;
constexpr std::size_t kReadSize = 64 * 1024;  // at most this much per socket read
// The read buffer's first allocation, kept for the connection's life (pooled reuse included):
// a typical response (header + JSON body) or a burst of SSE events in one recv, and it grows for
// larger ones; held open by every stream, so kept small (bench/RESULTS.md has the memory per
// stream). Beast reads max(512, free capacity): an empty buffer would mean 512-byte reads.
constexpr std::size_t kInitialReadBuffer = 4 * 1024;
// WhileWaiting::kReleaseBuffer: an unparsed tail up to this size waits in the wait buffer; a
// larger one (a big event half in) keeps the read buffer, and the read goes there.
constexpr std::size_t kMaxTailKeptWhileWaiting = 256;
// A connection back from the pool within this time skips the MSG_PEEK liveness probe: servers
// close idle connections after seconds (keep-alive timers), and the exchange's retry-once on a
// reused connection that fails before any response byte covers the rare close in between.
constexpr auto kProbeAfterIdle = std::chrono::milliseconds(20);

std::variant<Connection::TcpStream, Connection::TlsStream> make_stream(
    const asio::any_io_executor& executor, asio::ssl::context* tls) {
  if (tls != nullptr) {
    return std::variant<Connection::TcpStream, Connection::TlsStream>(
        std::in_place_type<Connection::TlsStream>, executor, *tls);
  }
  return std::variant<Connection::TcpStream, Connection::TlsStream>(
      std::in_place_type<Connection::TcpStream>, executor);
}

// start_read()'s answer when there is no room to read into.
asio::awaitable<Connection::IoResult> read_refused(error_code ec) {
  co_return Connection::IoResult{ec, 0};
}

}  // namespace

Connection::Connection(const asio::any_io_executor& executor, asio::ssl::context* tls,
                       bool verify_peer, const void* context_key, std::size_t max_buffer,
                       bool lazy_deadline)
    : stream_(make_stream(executor, tls)),
      deadline_timer_(executor),
      deadline_link_(std::make_shared<DeadlineLink>(DeadlineLink{this})),
      lazy_deadline_(lazy_deadline),
      verify_peer_(verify_peer),
      context_key_(context_key),
      buffer_(max_buffer) {
  buffer_.reserve(std::min(kInitialReadBuffer, max_buffer));
}

Connection::~Connection() {
  deadline_link_->owner = nullptr;
  close();
}

void Connection::expires_at(Clock::time_point deadline) {
  deadline_ = deadline;
  timed_out_ = false;
  if (!lazy_deadline_) {
    tcp().expires_at(deadline);
  } else if (deadline < timer_at_) {
    arm_deadline_timer(deadline);
  }
}

void Connection::expires_never() {
  deadline_ = Clock::time_point::max();
  timed_out_ = false;
  if (!lazy_deadline_) tcp().expires_never();  // lazy: a pending wait finds no deadline, ends
}

error_code Connection::outcome(error_code ec) const {
  return timed_out_ && ec ? error_code(beast::error::timeout) : ec;
}

void Connection::arm_deadline_timer(Clock::time_point at) {
  timer_at_ = at;
  deadline_timer_.expires_at(at);  // a pending wait completes with operation_aborted
  deadline_timer_.async_wait([link = deadline_link_](const error_code& ec) {
    if (ec != asio::error::operation_aborted && link->owner != nullptr) {
      link->owner->on_deadline_timer();
    }
  });
}

void Connection::on_deadline_timer() {
  timer_at_ = Clock::time_point::max();
  if (deadline_ == Clock::time_point::max()) return;
  if (Clock::now() < deadline_) {
    arm_deadline_timer(deadline_);  // the deadline moved later meanwhile
    return;
  }
  timed_out_ = true;
  close();
}

Connection::TcpStream& Connection::tcp() {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) return beast::get_lowest_layer(*tls);
  return std::get<TcpStream>(stream_);
}

const Connection::TcpStream& Connection::tcp() const {
  if (const auto* tls = std::get_if<TlsStream>(&stream_)) return beast::get_lowest_layer(*tls);
  return std::get<TcpStream>(stream_);
}

asio::awaitable<std::optional<ConnectFailure>> Connection::connect(
    asio::ip::tcp::resolver::results_type endpoints, std::string host) {
  // The connect and the handshake run under Beast's own timer: a range connect moves on to the
  // next endpoint when the socket is closed under it, so the lazy timer must not do that.
  struct BeastTimerWhileConnecting {
    Connection& c;
    Clock::time_point deadline;
    explicit BeastTimerWhileConnecting(Connection& conn) : c(conn), deadline(conn.deadline_) {
      if (!c.lazy_deadline_) return;  // the tcp_stream timer is set already
      c.expires_never();
      if (deadline != Clock::time_point::max()) c.tcp().expires_at(deadline);
    }
    ~BeastTimerWhileConnecting() {
      if (!c.lazy_deadline_) return;
      c.tcp().expires_never();
      c.expires_at(deadline);
    }
  } beast_timer(*this);
  auto [ec, endpoint] = co_await tcp().async_connect(endpoints, kToken);
  if (ec) co_return ConnectFailure{ec, false, X509_V_OK};
  error_code ignored;
  tcp().socket().set_option(asio::ip::tcp::no_delay(true), ignored);

  auto* tls = std::get_if<TlsStream>(&stream_);
  if (tls == nullptr) co_return std::nullopt;
  SSL* ssl = tls->native_handle();
  error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (not_ip) {
    SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI is for names only (RFC 6066)
    if (verify_peer_) SSL_set1_host(ssl, host.c_str());
  } else if (verify_peer_) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  }
  auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client, kToken);
  if (hec) co_return ConnectFailure{hec, true, SSL_get_verify_result(ssl)};
  co_return std::nullopt;
}

std::array<asio::const_buffer, 2> Connection::request_buffers(std::string_view body) const {
  return {asio::buffer(request_head_), asio::buffer(body.data(), body.size())};
}

// With the lazy deadline a plain connection's operations go to its socket itself: the tcp_stream
// would only add the bookkeeping of a per-operation timer that is never set.
template <class Operation>
asio::awaitable<Connection::IoResult> Connection::on_stream(Operation operation) {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) return operation(*tls);
  auto& plain = std::get<TcpStream>(stream_);
  if (lazy_deadline_) return operation(plain.socket());
  return operation(plain);
}

std::size_t Connection::write_now(std::string_view body, error_code& ec) {
  ec.clear();
  if (!std::holds_alternative<TcpStream>(stream_)) return 0;
  return send_now(std::get<TcpStream>(stream_).socket(), request_buffers(body), ec);
}

// Not coroutines: they return the stream operation's awaitable (which copies its arguments).
asio::awaitable<Connection::IoResult> Connection::write(std::string_view body, std::size_t sent) {
  beast::buffers_suffix<std::array<asio::const_buffer, 2>> buffers(request_buffers(body));
  buffers.consume(sent);
  return on_stream([&](auto& stream) { return asio::async_write(stream, buffers, kToken); });
}

ResponseParser& Connection::begin_response(std::uint32_t header_limit, std::uint64_t body_limit,
                                           bool head_request) {
  head_.reset();
  parser_.reset();
  parser_.emplace(head_, header_limit, body_limit);
  buffer_.reserve(std::min(kInitialReadBuffer, buffer_.max_size()));  // freed by a stream's waits
  stalled_ = false;
  if (head_request) parser_->skip(true);
  return *parser_;
}

error_code Connection::parse_buffered() {
  error_code ec;
  const std::size_t used = parser_->put(buffer_.data(), ec);
  buffer_.consume(used);
  stalled_ = ec == http::error::need_more;
  return stalled_ ? error_code() : ec;
}

asio::awaitable<error_code> Connection::read_some(WhileWaiting waiting) {
  // Bytes that arrived with the header (or after the last element) are parsed without a read.
  if (auto parsed = try_parse_buffered()) co_return *parsed;
  const IoResult result = co_await start_read(waiting);
  co_return finish_read(result);
}

// Not a coroutine: the socket operation's own awaitable.
asio::awaitable<Connection::IoResult> Connection::start_read(WhileWaiting waiting) {
  // A stream's buffer usually holds nothing here, or the tail of an element (a chunk's CRLF).
  read_into_wait_buffer_ = waiting == WhileWaiting::kReleaseBuffer &&
                           buffer_.size() <= kMaxTailKeptWhileWaiting &&
                           std::holds_alternative<TcpStream>(stream_);
  if (read_into_wait_buffer_) {
    // Thousands of streams may each wait minutes between events; a read buffer each would be a
    // large share of their memory (bench/RESULTS.md). The wait is a read into the connection's
    // small wait buffer instead: an event of the usual size is one recv, and a larger one is read
    // on at once (finish_read).
    hold_tail_in_wait_buffer();
    const asio::mutable_buffer space(wait_buffer_.data() + wait_tail_,
                                     wait_buffer_.size() - wait_tail_);
    return on_stream([&](auto& stream) { return stream.async_read_some(space, kToken); });
  }
  move_wait_tail_to_buffer();
  const std::size_t size = beast::read_size(buffer_, kReadSize);
  if (size == 0) return read_refused(http::error::buffer_overflow);  // a runaway chunk line
  const auto space = buffer_.prepare(size);
  return on_stream([&](auto& stream) { return stream.async_read_some(space, kToken); });
}

error_code Connection::finish_read(const IoResult& result) {
  auto [ec, n] = result;
  if (read_into_wait_buffer_) {
    read_into_wait_buffer_ = false;
    if (!ec && wait_tail_ + n < wait_buffer_.size()) return parse_wait_buffer(n);
    if (!ec) ec = take_wait_buffer_and_rest(n);  // full: a larger event, or a burst
    move_wait_tail_to_buffer();
  } else {
    buffer_.commit(n);
  }
  ec = outcome(ec);
  if (ec == asio::error::eof) {
    if (!parser_->got_some()) return http::error::end_of_stream;
    error_code eof;
    parser_->put_eof(eof);  // completes a close-delimited body; otherwise partial_message
    return eof;
  }
  if (ec) return ec;
  return parse_buffered();
}

void Connection::hold_tail_in_wait_buffer() {
  const std::size_t size = buffer_.size();  // at most kMaxTailKeptWhileWaiting; wait_tail_ is 0
  if (size > 0) {
    std::memcpy(wait_buffer_.data(), buffer_.data().data(), size);
    wait_tail_ = size;
    buffer_.consume(size);
  }
  buffer_.shrink_to_fit();  // empty: frees it
}

error_code Connection::parse_wait_buffer(std::size_t n) {
  const std::size_t size = wait_tail_ + n;
  wait_tail_ = 0;
  error_code ec;
  const std::size_t used = parser_->put(asio::const_buffer(wait_buffer_.data(), size), ec);
  stalled_ = ec == http::error::need_more;
  if (const std::size_t rest = size - used; rest > 0) {
    if (stalled_ && rest <= kMaxTailKeptWhileWaiting) {
      std::memmove(wait_buffer_.data(), wait_buffer_.data() + used, rest);
      wait_tail_ = rest;
    } else {
      const auto space = buffer_.prepare(rest);  // within max_size: rest < wait_buffer_'s size
      std::memcpy(space.data(), wait_buffer_.data() + used, rest);
      buffer_.commit(rest);
    }
  }
  return stalled_ ? error_code() : ec;
}

error_code Connection::take_wait_buffer_and_rest(std::size_t n) {
  wait_tail_ += n;
  buffer_.reserve(std::min(kInitialReadBuffer, buffer_.max_size()));
  move_wait_tail_to_buffer();
  const std::size_t size = beast::read_size(buffer_, kReadSize);
  if (size == 0) return {};  // full: parse what is there first
  error_code ec;
  buffer_.commit(receive_now(std::get<TcpStream>(stream_).socket(), buffer_.prepare(size), ec));
  return ec == asio::error::eof ? error_code() : ec;  // an EOF is for the next read to see
}

bool Connection::complete_now(std::size_t limit) {
  if (!parser_) return false;
  if (parser_->is_done()) return true;
  if (!std::holds_alternative<TcpStream>(stream_) || !tcp().socket().is_open()) return false;
  scratch_.clear();
  parser_->set_sink(&scratch_);  // what is left of the body is not wanted
  move_wait_tail_to_buffer();
  std::size_t received = 0;
  while (!parser_->is_done()) {
    const std::size_t before = buffer_.size();
    if (auto parsed = try_parse_buffered()) {
      if (*parsed || (buffer_.size() == before && !stalled_)) return false;
      scratch_.clear();
      continue;
    }
    const std::size_t room = std::min(beast::read_size(buffer_, kReadSize), limit - received);
    if (room == 0) return false;
    error_code ec;
    const std::size_t n = receive_now(tcp().socket(), buffer_.prepare(room), ec);
    if (ec || n == 0) return false;  // nothing there yet, or closed: the caller closes it
    buffer_.commit(n);
    received += n;
    stalled_ = false;
  }
  scratch_.clear();
  return true;
}

void Connection::move_wait_tail_to_buffer() {
  if (wait_tail_ == 0) return;
  const auto space = buffer_.prepare(wait_tail_);
  std::memcpy(space.data(), wait_buffer_.data(), wait_tail_);
  buffer_.commit(wait_tail_);
  wait_tail_ = 0;
}

bool Connection::reusable() const {
  return parser_ && parser_->is_done() && parser_->keep_alive() && buffer_.size() == 0 &&
         wait_tail_ == 0 && tcp().socket().is_open();
}

bool Connection::idle_alive(Clock::time_point now) {
  auto& socket = tcp().socket();
  if (!socket.is_open()) return false;
  if (now - idle_since_ < kProbeAfterIdle) return true;
  char byte = 0;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() {
  if (tcp().socket().is_open()) tcp().close();
}

}  // namespace roci::net
