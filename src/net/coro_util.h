// Awaitable helpers shared by the net sources and the gateway's HTTP session.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace roci::net {

// Completion token: an awaited operation returns (error_code, values...) instead of throwing.
inline constexpr auto kToken = boost::asio::as_tuple(boost::asio::use_awaitable);

// True once any cancellation was emitted on the coroutine's slot.
inline bool is_cancelled(const boost::asio::cancellation_state& state) {
  return state.cancelled() != boost::asio::cancellation_type::none;
}

}  // namespace roci::net
