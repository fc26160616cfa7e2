// The fakes on the server core: keep-alive sessions, fault execution, recording.
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json/parse.hpp>

#include "support/fake_heads.h"
#include "support/fake_internal.h"
#include "support/test_http_server.h"

namespace roci::testing {

namespace asio = boost::asio;
using detail::Reply;
using detail::Request;

namespace {

constexpr std::chrono::seconds kFirstRequestTimeout{60};  // Node's headersTimeout
constexpr std::string_view kMalformedJson =
    R"({"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hel)";

Request to_request(ServerRequest message) {
  Request request;
  static_cast<ServerRequest&>(request) = std::move(message);
  request.path = detail::percent_decode(request.target.substr(0, request.target.find('?')));
  if (!request.body.empty()) {
    boost::system::error_code ec;
    auto value = boost::json::parse(request.body, ec);
    if (ec) {
      request.json_error = ec.message();
    } else {
      request.json = std::move(value);
    }
  }
  return request;
}

Reply payload_too_large() { return detail::json_reply(413, {{"error", "Payload Too Large"}}); }

}  // namespace

class FakeUpstream::Impl {
 public:
  explicit Impl(FakeOptions options)
      : state_(std::move(options)),
        bench_(state_.options().bench
                   ? std::optional(detail::make_bench_responses(state_.options()))
                   : std::nullopt),
        server_({.host = state_.options().host,
                 .port = state_.options().port,
                 .threads = state_.options().threads},
                [this](Tcp::socket socket) { return session(std::move(socket)); }) {}

  detail::State& state() { return state_; }
  unsigned short port() const { return server_.port(); }

 private:
  asio::awaitable<void> session(Tcp::socket socket) {
    struct Counted {
      detail::State& state;
      ~Counted() { state.connection_closed(); }
    };
    const std::size_t connection = state_.connection_opened();
    Counted counted{state_};
    try {
      co_await serve(socket, connection);
    } catch (const std::exception&) {
      // The one catch site per session: the connection simply ends.
    }
    close_socket(socket, false);
  }

  asio::awaitable<void> serve(Tcp::socket& socket, std::size_t connection) {
    const FakeOptions& opts = state_.options();
    boost::beast::flat_buffer buffer;
    RequestLimits limits{.max_body_bytes = opts.max_body_bytes,
                         .idle_timeout = kFirstRequestTimeout};
    for (;;) {
      RequestRead read = co_await read_request(socket, buffer, limits);
      // Express closes a keep-alive socket that stays idle past keepAliveTimeout.
      limits.idle_timeout = opts.keep_alive_timeout;
      if (read.outcome == RequestRead::Outcome::kBodyTooLarge) {
        co_await write_reply(socket, payload_too_large(), false);
        co_return;
      }
      if (read.outcome != RequestRead::Outcome::kRequest) co_return;
      const bool keep_alive = read.request.keep_alive;
      Request request = to_request(std::move(read.request));

      if (bench_ && request.method == "POST" && request.path.ends_with("/chat/completions")) {
        if (!co_await write_bench(socket, request) || !keep_alive) co_return;
        continue;
      }
      if (opts.control) {
        if (auto reply = detail::handle_control(request, state_)) {
          if (!co_await write_reply(socket, *reply, keep_alive) || !keep_alive) co_return;
          continue;
        }
      }

      const std::optional<Fault> fault = state_.take_fault(request.method, request.path);
      RecordedRequest record;
      record.connection = connection;
      record.method = request.method;
      record.target = request.target;
      record.headers = request.headers;
      record.body = request.body;
      record.json = request.json;
      record.received_at = std::chrono::steady_clock::now();
      const std::uint64_t id = state_.begin_request(std::move(record));
      const RequestOutcome outcome =
          co_await respond(socket, request, fault ? &*fault : nullptr, keep_alive);
      state_.finish_request(id, outcome);
      if (outcome != RequestOutcome::kCompleted || !keep_alive) co_return;
    }
  }

  Reply build_reply(const Request& request, const Fault* fault) {
    if (fault) {
      switch (fault->kind) {
        case Fault::Kind::kRespond: {
          Reply reply;
          reply.status = fault->status;
          reply.content_type = fault->content_type;
          reply.body = fault->body;
          return reply;
        }
        case Fault::Kind::kMalformedJson: {
          Reply reply;
          reply.body = std::string(kMalformedJson);
          return reply;
        }
        case Fault::Kind::kOversized: {
          Reply reply;
          const std::size_t size = std::max<std::size_t>(2, fault->oversized_bytes);
          reply.body.assign(size, 'x');
          reply.body.front() = '"';
          reply.body.back() = '"';
          return reply;
        }
        default:
          break;
      }
    }
    switch (state_.options().mode) {
      case FakeMode::kLmStudio:
        return detail::handle_lmstudio(request, state_, fault);
      case FakeMode::kOpenAi:
        return detail::handle_openai(request, state_, fault);
      case FakeMode::kLlamaCpp:
        return detail::handle_llamacpp(request, state_, fault);
    }
    return detail::handle_lmstudio(request, state_, fault);
  }

  asio::awaitable<RequestOutcome> respond(Tcp::socket& socket, Request request, const Fault* fault,
                                          bool keep_alive) {
    const FakeOptions& opts = state_.options();
    if (fault && fault->kind == Fault::Kind::kCloseWithoutResponse) {
      if (co_await sleep_unless_closed(socket, fault->header_delay)) {
        co_return RequestOutcome::kClientClosed;
      }
      close_socket(socket, fault->reset);
      co_return RequestOutcome::kServerClosed;
    }
    if (fault && fault->kind == Fault::Kind::kHang) {
      co_await wait_until_closed(socket);
      co_return RequestOutcome::kClientClosed;
    }
    const Reply reply = build_reply(request, fault);
    const auto token_delay = fault && fault->token_delay ? *fault->token_delay : opts.token_delay;
    auto delay = reply.extra_delay + (fault ? fault->header_delay : std::chrono::milliseconds(0));
    if (!reply.stream) delay += token_delay * reply.generated_tokens;
    if (co_await sleep_unless_closed(socket, delay)) {
      co_return RequestOutcome::kClientClosed;
    }
    if (!reply.stream) co_return co_await write_plain(socket, reply, fault, keep_alive);
    co_return co_await write_stream(socket, reply, fault, token_delay, keep_alive);
  }

  asio::awaitable<bool> write_reply(Tcp::socket& socket, const Reply& reply, bool keep_alive) {
    co_return co_await write_plain(socket, reply, nullptr, keep_alive) ==
        RequestOutcome::kCompleted;
  }

  asio::awaitable<RequestOutcome> write_plain(Tcp::socket& socket, const Reply& reply,
                                              const Fault* fault, bool keep_alive) {
    detail::HeadSpec spec{.status = reply.status,
                          .content_type = reply.content_type,
                          .content_length = reply.body.size(),
                          .body = reply.body,
                          .keep_alive = keep_alive,
                          .extra_headers = &reply.extra_headers};
    std::string head = detail::render_head(state_.options(), spec);
    const bool split = fault && (fault->first_chunk_delay.count() > 0 || fault->cut_after_chunks);
    if (!split) {
      head += reply.body;
      co_return co_await write_all(socket, head) ? RequestOutcome::kCompleted
                                                 : RequestOutcome::kClientClosed;
    }
    if (!co_await write_all(socket, head) ||
        co_await sleep_unless_closed(socket, fault->first_chunk_delay)) {
      co_return RequestOutcome::kClientClosed;
    }
    if (fault->cut_after_chunks) {
      const std::string_view half = std::string_view(reply.body).substr(0, reply.body.size() / 2);
      co_await write_all(socket, half);
      close_socket(socket, fault->reset);
      co_return RequestOutcome::kServerClosed;
    }
    co_return co_await write_all(socket, reply.body) ? RequestOutcome::kCompleted
                                                     : RequestOutcome::kClientClosed;
  }

  asio::awaitable<RequestOutcome> write_stream(Tcp::socket& socket, const Reply& reply,
                                               const Fault* fault,
                                               std::chrono::milliseconds token_delay,
                                               bool keep_alive) {
    const FakeOptions& opts = state_.options();
    detail::HeadSpec spec{.status = reply.status,
                          .content_type = reply.content_type,
                          .stream = true,
                          .keep_alive = keep_alive,
                          .extra_headers = &reply.extra_headers};
    if (!co_await write_all(socket, detail::render_head(opts, spec))) {
      co_return RequestOutcome::kClientClosed;
    }
    if (fault && co_await sleep_unless_closed(socket, fault->first_chunk_delay)) {
      co_return RequestOutcome::kClientClosed;
    }
    const bool pings = opts.sse_pings.value_or(opts.mode == FakeMode::kLlamaCpp);
    int written = 0;  // data chunks so far
    for (std::size_t i = 0; i <= reply.events.size(); ++i) {
      const bool at_end = i == reply.events.size();
      if (at_end || reply.events[i].data) {
        if (fault && fault->cut_after_chunks == written) {
          close_socket(socket, fault->reset);
          co_return RequestOutcome::kServerClosed;
        }
        if (fault && fault->error_event_after_chunks == written) {
          const std::string bytes = chunk_frame(fault->error_event) + std::string(kLastChunk);
          co_return co_await write_all(socket, bytes) ? RequestOutcome::kCompleted
                                                      : RequestOutcome::kClientClosed;
        }
        if (fault && fault->malformed_sse_after_chunks == written &&
            !co_await write_all(socket, chunk_frame(fault->malformed_sse))) {
          co_return RequestOutcome::kClientClosed;
        }
        if (fault && fault->gap_after_chunks == written &&
            co_await sleep_unless_closed(socket, fault->gap)) {
          co_return RequestOutcome::kClientClosed;
        }
      }
      if (at_end) break;
      const detail::SseEvent& event = reply.events[i];
      if (event.paced && written > 0 && co_await sleep_unless_closed(socket, token_delay)) {
        co_return RequestOutcome::kClientClosed;
      }
      if (pings && i > 0 && !co_await write_all(socket, chunk_frame(": ping\n\n"))) {
        co_return RequestOutcome::kClientClosed;
      }
      if (!co_await write_all(socket, chunk_frame(event.bytes))) {
        co_return RequestOutcome::kClientClosed;
      }
      if (event.data) ++written;
    }
    co_return co_await write_all(socket, kLastChunk) ? RequestOutcome::kCompleted
                                                     : RequestOutcome::kClientClosed;
  }

  asio::awaitable<bool> write_bench(Tcp::socket& socket, Request request) {
    if (!detail::body_flag(request.body, "stream")) {
      co_return co_await write_all(socket, bench_->plain);
    }
    if (!co_await write_all(socket, bench_->stream_head)) co_return false;
    const bool usage = detail::body_flag(request.body, "include_usage");
    for (const auto& frame : usage ? bench_->frames_with_usage : bench_->frames) {
      if (!co_await write_all(socket, frame)) co_return false;
    }
    co_return true;
  }

  // Declared in this order: the server (and the sessions' frames) go before the state they use.
  detail::State state_;
  const std::optional<detail::BenchResponses> bench_;
  TestHttpServer server_;
};

FakeUpstream::FakeUpstream(FakeOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeUpstream::~FakeUpstream() = default;

std::string FakeUpstream::base_url() const {
  return "http://" + impl_->state().options().host + ":" + std::to_string(impl_->port());
}
unsigned short FakeUpstream::port() const { return impl_->port(); }
const FakeOptions& FakeUpstream::options() const { return impl_->state().options(); }
void FakeUpstream::script(Fault fault) { impl_->state().add_fault(std::move(fault)); }
void FakeUpstream::clear_script() { impl_->state().clear_faults(); }
void FakeUpstream::reset() { impl_->state().reset(); }
std::vector<RecordedRequest> FakeUpstream::requests() const { return impl_->state().requests(); }
bool FakeUpstream::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->state().wait_for_requests(count, timeout);
}
bool FakeUpstream::wait_for_idle(std::chrono::milliseconds timeout) const {
  return impl_->state().wait_for_idle(timeout);
}
std::size_t FakeUpstream::connections_accepted() const {
  return impl_->state().connections_accepted();
}
std::size_t FakeUpstream::open_connections() const { return impl_->state().open_connections(); }
bool FakeUpstream::wait_for_client_close(std::chrono::milliseconds timeout) {
  return impl_->state().wait_for_client_close(timeout);
}
int FakeUpstream::cancellations() const { return impl_->state().cancellations(); }
void FakeUpstream::set_models(std::vector<FakeModel> models) {
  impl_->state().set_models(std::move(models));
}
bool FakeUpstream::set_model_loaded(std::string_view id, bool loaded) {
  return impl_->state().set_loaded(id, loaded);
}
std::vector<FakeModel> FakeUpstream::models() const { return impl_->state().models(); }
int FakeUpstream::loads() const { return impl_->state().loads(); }
int FakeUpstream::in_flight() const { return impl_->state().in_flight(); }
int FakeUpstream::peak_in_flight() const { return impl_->state().peak_in_flight(); }

}  // namespace roci::testing
