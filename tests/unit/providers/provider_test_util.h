// Helpers for provider tests: run a coroutine to completion on a test's io_context, read a whole
// ChatStream, race an operation against a timer (asio `||`), and find a port nothing listens on.
//
//   asio::io_context io;
//   auto result = roci::test::run(io, provider.generate(request));
//   auto streamed = roci::test::run(io, roci::test::stream_all(&provider, request));
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/provider.h>
#include <roci/provider/roci_config.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace roci::test {

// The SDK's configuration as if no ROCI_*/LMSTUDIO_*/OPENAI_* variable were set.
inline RociConfig config_without_env() {
  return RociConfig::from_env([](const char*) -> const char* { return nullptr; });
}

namespace asio = boost::asio;

// Runs `awaitable` on `io` until it completes (other work, e.g. pool timers, may stay queued).
template <class T>
T run(asio::io_context& io, asio::awaitable<T> awaitable) {
  std::future<T> future = asio::co_spawn(io, std::move(awaitable), asio::use_future);
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (io.stopped()) io.restart();
    io.run_one();
  }
  return future.get();
}

// Everything a stream produced, read until nullopt or an error.
struct Collected {
  std::vector<StreamPart> parts;
  std::optional<Error> error;
  std::string text;
  std::string reasoning;
  std::map<int, ToolCall> tool_calls;  // reassembled from ToolCallDelta fragments
  int tool_call_deltas = 0;
  int text_deltas = 0;
  int finishes = 0;
  int parts_after_finish = 0;
  std::optional<Finish> finish;
  StreamInfo info;
};

inline asio::awaitable<Collected> collect(std::unique_ptr<ChatStream> stream) {
  Collected out;
  out.info = stream->info();
  while (true) {
    auto part = co_await stream->next();
    if (!part) {
      out.error = part.error();
      break;
    }
    if (!*part) break;
    if (out.finishes > 0) ++out.parts_after_finish;
    const StreamPart& p = **part;
    if (const auto* t = std::get_if<TextDelta>(&p)) {
      out.text += t->text;
      ++out.text_deltas;
    } else if (const auto* r = std::get_if<ReasoningDelta>(&p)) {
      out.reasoning += r->text;
    } else if (const auto* c = std::get_if<ToolCallDelta>(&p)) {
      ++out.tool_call_deltas;
      ToolCall& call = out.tool_calls[c->index];
      if (!c->id.empty()) call.id = c->id;
      if (!c->name.empty()) call.name = c->name;
      call.arguments += c->arguments;
    } else if (const auto* f = std::get_if<Finish>(&p)) {
      ++out.finishes;
      out.finish = *f;
    }
    out.parts.push_back(p);
  }
  co_return out;
}

// stream() then collect(); the setup error when stream() fails.
inline asio::awaitable<Result<Collected>> stream_all(Provider* provider, ProviderRequest request) {
  auto stream = co_await provider->stream(std::move(request));
  if (!stream) co_return stream.error();
  co_return co_await collect(std::move(*stream));
}

// Opens a stream, reads `parts` parts, then destroys it (the upstream must see the close).
inline asio::awaitable<Result<int>> stream_and_drop(Provider* provider, ProviderRequest request,
                                                    int parts) {
  auto stream = co_await provider->stream(std::move(request));
  if (!stream) co_return stream.error();
  int read = 0;
  for (; read < parts; ++read) {
    auto part = co_await (*stream)->next();
    if (!part) co_return part.error();
    if (!*part) break;
  }
  stream->reset();
  co_return read;
}

// Races `op` against a timer (asio::experimental::awaitable_operators::operator||); when the
// timer wins, `op` is cancelled and the result is nullopt.
template <class T>
asio::awaitable<std::optional<T>> race(asio::awaitable<T> op, std::chrono::milliseconds after) {
  using namespace asio::experimental::awaitable_operators;  // NOLINT(google-build-using-namespace)
  asio::steady_timer timer(co_await asio::this_coro::executor, after);
  auto winner = co_await (std::move(op) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (winner.index() == 0) co_return std::optional<T>(std::move(std::get<0>(winner)));
  co_return std::nullopt;
}

// A loopback port that was bound and closed again: connecting to it is refused.
inline unsigned short closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const unsigned short port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

inline ProviderRequest user_request(std::string text, std::optional<int> max_tokens = {}) {
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user(std::move(text)));
  request.settings.max_tokens = max_tokens;
  return request;
}

inline ToolDefinition weather_tool() {
  ToolDefinition tool;
  tool.name = "get_weather";
  tool.description = "Current weather in a city";
  tool.parameters = boost::json::value{{"type", "object"},
                                       {"properties", {{"city", {{"type", "string"}}}}},
                                       {"required", boost::json::array{"city"}}};
  return tool;
}

}  // namespace roci::test
