// Experiment: do Beast 1.81 stream operations honour the per-operation (terminal) cancellation
// slot of a C++20 coroutine? The HttpClient relies on it (see http_client.h, "Cancellation").
// Result (Boost 1.81): yes. http::async_read over beast::tcp_stream, the TLS handshake over
// beast::ssl_stream<tcp_stream> and tcp_stream::async_connect complete with operation_aborted
// promptly, both for `||` (awaitable_operators) and for co_spawn + bind_cancellation_slot. The
// resolver (getaddrinfo) does not support per-operation cancellation.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

// Reads an HTTP response from a server that accepts and never answers.
asio::awaitable<boost::system::error_code> read_forever(beast::tcp_stream& stream) {
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto [ec, n] =
      co_await http::async_read(stream, buffer, res, asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

TEST(CancellationExperiment, TcpStreamReadHonoursAwaitableOperatorOr) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  tcp::socket server_side(ioc);
  beast::tcp_stream client(ioc);
  client.socket().connect(acceptor.local_endpoint());
  acceptor.accept(server_side);

  boost::system::error_code read_ec;
  bool timer_won = false;
  auto start = Clock::now();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(ioc, std::chrono::milliseconds(20));
        auto r = co_await (read_forever(client) || timer.async_wait(asio::use_awaitable));
        if (r.index() == 0) read_ec = std::get<0>(r);
        timer_won = r.index() == 1;
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(timer_won);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

TEST(CancellationExperiment, TcpStreamReadHonoursBoundSlot) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  tcp::socket server_side(ioc);
  beast::tcp_stream client(ioc);
  client.socket().connect(acceptor.local_endpoint());
  acceptor.accept(server_side);

  asio::cancellation_signal signal;
  boost::system::error_code read_ec;
  bool done = false;
  asio::co_spawn(ioc, read_forever(client),
                 asio::bind_cancellation_slot(
                     signal.slot(), [&](std::exception_ptr, boost::system::error_code ec) {
                       read_ec = ec;
                       done = true;
                     }));
  asio::steady_timer timer(ioc, std::chrono::milliseconds(20));
  timer.async_wait([&](auto) { signal.emit(asio::cancellation_type::terminal); });
  auto start = Clock::now();
  ioc.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(done);
  EXPECT_EQ(read_ec, asio::error::operation_aborted);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

asio::awaitable<boost::system::error_code> ssl_read_forever(
    beast::ssl_stream<beast::tcp_stream>& stream) {
  // No handshake: the read of the handshake reply from a silent server hangs the same way.
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client,
                                              asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

TEST(CancellationExperiment, SslStreamHandshakeHonoursBoundSlot) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  tcp::socket server_side(ioc);
  beast::ssl_stream<beast::tcp_stream> client(ioc, ctx);
  beast::get_lowest_layer(client).socket().connect(acceptor.local_endpoint());
  acceptor.accept(server_side);

  asio::cancellation_signal signal;
  boost::system::error_code ec_out;
  bool done = false;
  asio::co_spawn(ioc, ssl_read_forever(client),
                 asio::bind_cancellation_slot(
                     signal.slot(), [&](std::exception_ptr, boost::system::error_code ec) {
                       ec_out = ec;
                       done = true;
                     }));
  asio::steady_timer timer(ioc, std::chrono::milliseconds(20));
  timer.async_wait([&](auto) { signal.emit(asio::cancellation_type::terminal); });
  auto start = Clock::now();
  ioc.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(done);
  EXPECT_EQ(ec_out, asio::error::operation_aborted);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

TEST(CancellationExperiment, TcpStreamConnectHonoursBoundSlot) {
  // A full accept queue makes the next connect hang (loopback only).
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc);
  acceptor.open(tcp::v4());
  acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
  acceptor.listen(0);
  std::vector<std::unique_ptr<tcp::socket>> fillers;
  for (int i = 0; i < 8; ++i) {
    auto s = std::make_unique<tcp::socket>(ioc);
    s->open(tcp::v4());
    s->non_blocking(true);
    auto ep = acceptor.local_endpoint();
    (void)::connect(s->native_handle(), ep.data(), static_cast<socklen_t>(ep.size()));
    fillers.push_back(std::move(s));
  }
  asio::cancellation_signal signal;
  beast::tcp_stream client(ioc);
  boost::system::error_code ec_out;
  bool done = false;
  client.async_connect(
      acceptor.local_endpoint(),
      asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec) {
        ec_out = ec;
        done = true;
      }));
  asio::steady_timer timer(ioc, std::chrono::milliseconds(100));
  timer.async_wait([&](auto) { signal.emit(asio::cancellation_type::terminal); });
  ioc.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(done);
  EXPECT_EQ(ec_out, asio::error::operation_aborted);
}

}  // namespace
