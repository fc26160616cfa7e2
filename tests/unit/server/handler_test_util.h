// Test doubles for the request handlers: a recording ResponseWriter, a scriptable Provider, and a
// harness that runs a handler the way the session does (throw_if_cancelled(false), cancellable).
#pragma once

#include "config/gateway_config.h"
#include "server/api/response_store.h"
#include "server/http/request_context.h"
#include "server/observability/metrics.h"
#include "server/routing/admission_queue.h"
#include "server/routing/model_catalog.h"
#include "server/routing/provider_set.h"

#include <roci/provider/chat_stream.h>
#include <roci/provider/provider.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace roci::server::testing {

namespace asio = boost::asio;

// Records everything a handler writes, event by event, and how the stream's bytes were grouped
// into socket writes (`events_per_write`: 0 is a write of the queued headers alone).
// `client_gone_after_events` makes send_event / queue_event fail with kCancelled once that many
// events were accepted (the client disconnected mid-stream).
class FakeWriter final : public ResponseWriter {
 public:
  struct Response {
    int status = 0;
    std::string content_type;
    std::string body;
    Headers headers;
  };
  std::optional<Response> response;
  bool started = false;
  bool ended = false;
  std::vector<std::string> events;
  std::vector<std::size_t> events_per_write;
  std::optional<std::size_t> client_gone_after_events;
  bool client_gone = false;  // every call fails

  asio::awaitable<Result<void>> send(int status, std::string_view content_type, std::string body,
                                     Headers extra) override {
    if (client_gone) co_return Error::cancelled();
    response = Response{status, std::string(content_type), std::move(body), std::move(extra)};
    headers_sent_ = true;
    co_return Result<void>{};
  }
  std::optional<Result<void>> send_now(int status, std::string_view content_type, std::string body,
                                       const Headers& extra) override {
    if (client_gone) return Error::cancelled();
    response = Response{status, std::string(content_type), std::move(body), extra};
    headers_sent_ = true;
    return Result<void>{};
  }
  asio::awaitable<Result<void>> start_event_stream(Headers extra) override {
    if (client_gone) co_return Error::cancelled();
    started = true;
    headers_sent_ = true;
    head_queued_ = true;
    co_return Result<void>{};
  }
  asio::awaitable<Result<void>> send_event(std::string_view event) override {
    if (!accept(event)) co_return Error::cancelled();
    write_queued();
    co_return Result<void>{};
  }
  std::optional<Result<void>> send_event_now(std::string_view event) override {
    if (!accept(event)) return Error::cancelled();
    write_queued();
    return Result<void>{};
  }
  asio::awaitable<Result<void>> queue_event(std::string_view event) override {
    if (!accept(event)) co_return Error::cancelled();
    co_return Result<void>{};
  }
  asio::awaitable<Result<void>> flush() override {
    if (client_gone) co_return Error::cancelled();
    if (head_queued_ || queued_ > 0) write_queued();
    co_return Result<void>{};
  }
  asio::awaitable<Result<void>> end_event_stream() override {
    if (client_gone) co_return Error::cancelled();
    ended = true;
    write_queued();
    co_return Result<void>{};
  }
  bool headers_sent() const override { return headers_sent_; }

  // The JSON payloads of the data: events ("[DONE]" kept as a string).
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      std::string_view v = e;
      if (v.rfind("data: ", 0) == 0) v.remove_prefix(6);
      while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
      out.emplace_back(v);
    }
    return out;
  }
  boost::json::value body_json() const { return boost::json::parse(response->body); }

 private:
  // One call may carry several SSE events (the pipeline batches the events of parts that arrived
  // together): each complete event ("...\n\n") is recorded on its own.
  bool accept(std::string_view bytes) {
    if (client_gone) return false;
    while (!bytes.empty()) {
      if (client_gone || (client_gone_after_events && events.size() >= *client_gone_after_events)) {
        client_gone = true;
        return false;
      }
      const std::size_t end = bytes.find("\n\n");
      const std::size_t n = end == std::string_view::npos ? bytes.size() : end + 2;
      events.emplace_back(bytes.substr(0, n));
      ++queued_;
      bytes.remove_prefix(n);
    }
    return true;
  }
  void write_queued() {
    events_per_write.push_back(queued_);
    queued_ = 0;
    head_queued_ = false;
  }

  bool headers_sent_ = false;
  bool head_queued_ = false;
  std::size_t queued_ = 0;  // events accepted since the last write
};

// A ChatStream that plays a fixed list of parts (or an error at the end).
class ScriptedStream final : public ChatStream {
 public:
  ScriptedStream(StreamInfo info, std::deque<StreamPart> parts, std::optional<Error> error_at_end,
                 int* destroyed)
      : info_(std::move(info)),
        parts_(std::move(parts)),
        error_(std::move(error_at_end)),
        destroyed_(destroyed) {}
  ~ScriptedStream() override {
    if (destroyed_ != nullptr) ++*destroyed_;
  }
  const StreamInfo& info() const override { return info_; }
  // `all_ready`: every part is "already received" (one upstream read brought them all).
  bool ready() override { return all_ready && (!parts_.empty() || error_); }
  asio::awaitable<Result<std::optional<StreamPart>>> next() override {
    if (parts_.empty()) {
      if (error_) co_return *error_;
      co_return std::optional<StreamPart>();
    }
    StreamPart p = std::move(parts_.front());
    parts_.pop_front();
    co_return std::optional<StreamPart>(std::move(p));
  }

 private:
  StreamInfo info_;
  std::deque<StreamPart> parts_;
  std::optional<Error> error_;
  int* destroyed_;

 public:
  bool all_ready = false;
};

// A provider whose answers are set by the test, which records every request it gets.
class RecordingProvider final : public Provider {
 public:
  explicit RecordingProvider(std::string name = "lmstudio", std::vector<ModelInfo> models = {})
      : name_(std::move(name)), models_(std::move(models)) {}

  std::string_view name() const override { return name_; }
  const std::string& model_id() const override { return model_; }

  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) override {
    requests.push_back(request);
    if (fail_with) co_return *fail_with;
    GenerationResult r;
    r.text = "Hello there";
    r.model = served_model ? *served_model : request.model;
    r.id = "chatcmpl-upstream";
    r.created = 1731990317;
    r.usage = Usage{5, 2, 7};
    co_return r;
  }
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) override {
    requests.push_back(request);
    if (fail_with) co_return *fail_with;
    StreamInfo info{"chatcmpl-upstream", served_model ? *served_model : request.model, 1731990317,
                    ""};
    std::deque<StreamPart> parts = stream_parts;
    auto scripted = std::make_unique<ScriptedStream>(std::move(info), std::move(parts),
                                                     stream_error, &streams_destroyed);
    scripted->all_ready = stream_all_ready;
    std::unique_ptr<ChatStream> s = std::move(scripted);
    co_return s;
  }
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override {
    ++list_calls;
    if (list_error) co_return *list_error;
    co_return models_;
  }
  asio::awaitable<Result<ProviderHealth>> health() override {
    ProviderHealth h = health_answer;
    co_return h;
  }
  Capabilities capabilities(std::string_view) const override { return {}; }

  std::vector<ProviderRequest> requests;
  std::optional<Error> fail_with;
  std::optional<std::string> served_model;
  std::deque<StreamPart> stream_parts{TextDelta{"Once"}, TextDelta{" upon"},
                                      Finish{FinishReason::kStop, Usage{10, 2, 12}, {}}};
  std::optional<Error> stream_error;  // after the parts
  bool stream_all_ready = false;      // the parts arrive together (ChatStream::ready())
  std::optional<Error> list_error;
  ProviderHealth health_answer;
  int list_calls = 0;
  int streams_destroyed = 0;
  void set_models(std::vector<ModelInfo> models) { models_ = std::move(models); }

 private:
  std::string name_;
  std::string model_ = "local-model";
  std::vector<ModelInfo> models_;
};

inline ModelInfo model(std::string id, std::string state = "", std::string type = "") {
  ModelInfo m;
  m.id = std::move(id);
  m.state = std::move(state);
  m.type = std::move(type);
  return m;
}

// LM Studio with one loaded chat model, qwen3-8b.
inline std::unique_ptr<RecordingProvider> lmstudio_with_qwen() {
  return std::make_unique<RecordingProvider>(
      "lmstudio", std::vector<ModelInfo>{model("qwen3-8b", "loaded", "llm")});
}

// LM Studio with a loaded chat model, an unloaded one and an unloaded embedding model.
inline std::unique_ptr<RecordingProvider> lmstudio_with_three_models() {
  return std::make_unique<RecordingProvider>(
      "lmstudio",
      std::vector<ModelInfo>{model("qwen3-8b", "loaded", "llm"),
                             model("TheBloke/Mistral-7B-Instruct-v0.2-GGUF", "not-loaded", "llm"),
                             model("text-embedding-nomic", "not-loaded", "embeddings")});
}

// Everything a handler needs, on one io_context.
struct Harness {
  explicit Harness(std::unique_ptr<Provider> primary,
                   AdmissionQueue::Options admission_options = {})
      : providers(std::move(primary)), admission(admission_options) {
    config.inference.provider = std::string(providers.primary().name());
  }

  // Runs `handler` for a POST with `body` to completion (or until `cancel_after` elapses, then
  // cancels it like the session does when the client leaves).
  void run(std::function<asio::awaitable<void>(RequestContext&)> handler, std::string body = {},
           std::optional<std::chrono::milliseconds> cancel_after = std::nullopt) {
    request = ClientRequest{};
    request.body() = std::move(body);
    writer = FakeWriter{};
    log = RequestLog{};
    done = false;
    asio::cancellation_signal signal;
    asio::co_spawn(ioc, run_one(this, std::move(handler)),
                   asio::bind_cancellation_slot(signal.slot(), [this](std::exception_ptr e) {
                     done = true;
                     if (e) std::rethrow_exception(e);
                   }));
    asio::steady_timer timer(ioc);
    if (cancel_after) {
      timer.expires_after(*cancel_after);
      timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) signal.emit(asio::cancellation_type::terminal);
      });
    }
    ioc.restart();
    while (!done && ioc.run_one_for(std::chrono::seconds(5)) > 0) {
    }
    timer.cancel();
    ioc.poll();
  }

  static asio::awaitable<void> run_one(Harness* h,
                                       std::function<asio::awaitable<void>(RequestContext&)> fn) {
    co_await asio::this_coro::throw_if_cancelled(false);
    WorkerContext worker{.config = h->config,
                         .providers = h->providers,
                         .metrics = h->metrics,
                         .admission = h->admission,
                         .catalog = h->catalog,
                         .responses = &h->responses};
    RequestContext ctx{.request = h->request,
                       .writer = h->writer,
                       .log = h->log,
                       .worker = worker,
                       .errors = h->errors};
    co_await fn(ctx);
  }

  RecordingProvider& recording() { return static_cast<RecordingProvider&>(providers.primary()); }

  asio::io_context ioc;
  config::GatewayConfig config;
  ProviderSet providers;
  MetricsShard metrics;
  AdmissionQueue admission;
  ModelCatalog catalog;
  ResponseStore responses{ResponseStore::Options{}};
  ClientRequest request;
  FakeWriter writer;
  RequestLog log;
  const ErrorRenderer* errors = nullptr;  // the route's error renderer (null: OpenAI's)
  bool done = false;
};

}  // namespace roci::server::testing
