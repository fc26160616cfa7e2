// send_now and receive_now: socket I/O without an Asio operation, for what a socket can do at
// once. A response or request that fits the socket's send buffer goes out in one non-blocking
// sendmsg: an async_write that completes at once still posts its completion to the event loop (a
// scheduler round and an epoll_wait more per write). What the socket did not take is written
// with async_write by the caller, in order, before anything else is written to that socket.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>

namespace roci::net {

// Puts the socket in non-blocking mode the first time (asynchronous operations are unaffected).
inline bool make_non_blocking(boost::asio::ip::tcp::socket& socket, boost::system::error_code& ec) {
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  return !ec;
}

// Sends what `socket` takes now and returns the byte count: all of `buffers`, a part (the send
// buffer is full), or 0. A full buffer is not an error (ec stays clear); a failed send sets `ec`.
// Call only while no asynchronous write is pending on the socket.
template <class ConstBufferSequence>
std::size_t send_now(boost::asio::ip::tcp::socket& socket, const ConstBufferSequence& buffers,
                     boost::system::error_code& ec) {
  ec.clear();
  if (!make_non_blocking(socket, ec)) return 0;
  const std::size_t sent = socket.send(buffers, 0, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) ec.clear();
  return sent;
}

// Receives what is there now into `buffer` and returns the byte count; 0 with ec clear when
// nothing is, 0 with boost::asio::error::eof when the peer closed. Call only while no
// asynchronous read is pending on the socket.
inline std::size_t receive_now(boost::asio::ip::tcp::socket& socket,
                               boost::asio::mutable_buffer buffer, boost::system::error_code& ec) {
  ec.clear();
  if (!make_non_blocking(socket, ec)) return 0;
  const std::size_t received = socket.receive(buffer, 0, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) ec.clear();
  return received;
}

}  // namespace roci::net
