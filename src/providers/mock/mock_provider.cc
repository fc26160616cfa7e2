// MockProvider: deterministic answers, scripted faults, asio timers for every delay.
#include <roci/provider/mock_provider.h>

#include "providers/mock/mock_chat_stream.h"
#include "providers/mock/mock_plan.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>

namespace roci {
namespace {

constexpr int kContextLength = 32768;
constexpr int kDefaultEmbeddingDims = 8;

// Waits `delay` on the awaiting coroutine's executor; false when cancelled.
asio::awaitable<bool> wait_for(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) co_return true;
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

std::vector<double> embedding_of(std::string_view text, int dims) {
  std::uint64_t state = mock::hash_text(text);
  std::vector<double> v(static_cast<std::size_t>(dims));
  double norm = 0;
  for (auto& x : v) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<double>(state >> 11) / static_cast<double>(1ull << 53) * 2.0 - 1.0;
    norm += x * x;
  }
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (auto& x : v) x /= norm;
  }
  return v;
}

}  // namespace

MockProvider::MockProvider(MockOptions options, std::string model, std::string name)
    : options_(std::move(options)),
      model_(std::move(model)),
      name_(name.empty() ? "mock" : std::move(name)) {
  if (model_.empty()) model_ = options_.models.empty() ? "mock-model" : options_.models.front();
  // The provider's own model is part of its catalogue.
  if (std::find(options_.models.begin(), options_.models.end(), model_) == options_.models.end()) {
    options_.models.push_back(model_);
  }
}

std::vector<std::string> MockProvider::answer_tokens(const std::vector<ModelMessage>& messages,
                                                     int count) {
  return mock::words_from_hash(mock::hash_messages(messages), count);
}

asio::awaitable<Result<GenerationResult>> MockProvider::generate(ProviderRequest request) {
  auto plan = mock::make_plan(options_, request, model_);
  if (!plan) co_return plan.error();

  // The whole answer takes as long as its stream would.
  const auto parts = mock::content_parts(*plan).size();
  const auto total =
      plan->first_byte_delay + plan->token_delay * static_cast<int>(parts > 0 ? parts - 1 : 0);
  if (!co_await wait_for(total)) co_return Error::cancelled("mock generation cancelled");
  // An upstream that dies mid-generation fails a non-streamed request too.
  if (plan->is_cut()) co_return plan->cut_error();

  GenerationResult result;
  mock::MockChoice& first = plan->choices.front();
  result.text = first.text();
  result.reasoning = first.reasoning();
  result.tool_calls = std::move(first.tool_calls);
  result.finish_reason = first.finish_reason;
  for (std::size_t c = 1; c < plan->choices.size(); ++c) {  // n > 1
    mock::MockChoice& other = plan->choices[c];
    result.other_choices.push_back({.index = static_cast<int>(c),
                                    .text = other.text(),
                                    .reasoning = other.reasoning(),
                                    .tool_calls = std::move(other.tool_calls),
                                    .finish_reason = other.finish_reason});
  }
  result.usage = plan->usage;
  result.model = plan->model;
  result.id = plan->id;
  result.created = plan->created;
  result.system_fingerprint = "fp_mock";
  co_return result;
}

asio::awaitable<Result<std::unique_ptr<ChatStream>>> MockProvider::stream(ProviderRequest request) {
  auto plan = mock::make_plan(options_, request, model_);
  if (!plan) co_return plan.error();
  if (!co_await wait_for(plan->first_byte_delay)) {
    co_return Error::cancelled("mock stream cancelled before the first event");
  }
  co_return std::unique_ptr<ChatStream>(std::make_unique<mock::MockChatStream>(std::move(*plan)));
}

asio::awaitable<Result<std::vector<ModelInfo>>> MockProvider::list_models() {
  std::vector<ModelInfo> models;
  for (const auto& id : options_.models) {
    ModelInfo info;
    info.id = id;
    info.owned_by = "roci";
    info.type = "llm";
    info.state = "loaded";
    info.max_context_length = kContextLength;
    info.loaded_context_length = kContextLength;
    info.capabilities = {"tool_use"};
    info.publisher = "roci";
    info.arch = "mock";
    models.push_back(std::move(info));
  }
  co_return models;
}

asio::awaitable<Result<ProviderHealth>> MockProvider::health() {
  ProviderHealth health;
  health.reachable = true;
  health.detail = "mock provider (no upstream)";
  health.loaded_models = options_.models;
  co_return health;
}

Capabilities MockProvider::capabilities(std::string_view /*model*/) const {
  return Capabilities{.tools = true,
                      .streaming = true,
                      .json_mode = true,
                      .json_schema = true,
                      .vision = true,
                      .reasoning = true,
                      .system_messages = true,
                      .context_length = kContextLength};
}

asio::awaitable<Result<EmbeddingResult>> MockProvider::embed(EmbeddingRequest request) {
  if (options_.fail_with) co_return *options_.fail_with;
  auto script = mock::parse_script(request.extra);
  if (!script) co_return script.error();
  const std::string model = request.model.empty() ? model_ : request.model;
  if (script->fail_status) {
    co_return mock::error_for_status(*script->fail_status, options_.models, model);
  }
  if (auto unknown = mock::check_model(options_, model_, model)) co_return *unknown;
  if (request.input.empty()) co_return Error::invalid_request("input must not be empty", "input");
  const int dims = request.dimensions.value_or(kDefaultEmbeddingDims);
  if (dims < 1 || dims > 4096) {
    co_return Error::invalid_request("dimensions must be between 1 and 4096", "dimensions");
  }
  EmbeddingResult result;
  result.model = model;
  for (const auto& text : request.input) {
    result.embeddings.push_back(embedding_of(text, dims));
    result.usage.prompt_tokens += mock::count_words(text);
  }
  result.usage.total_tokens = result.usage.prompt_tokens;
  co_return result;
}

asio::awaitable<Result<CompletionResult>> MockProvider::complete(CompletionRequest request) {
  if (request.prompt.empty()) request.prompt.emplace_back();
  CompletionResult result;
  Usage usage;
  std::uint64_t id_hash = 0;
  for (auto& prompt : request.prompt) {
    ProviderRequest chat;
    chat.model = request.model;
    chat.settings = request.settings;
    chat.messages.push_back(ModelMessage::user(std::move(prompt)));
    auto plan = mock::make_plan(options_, chat, model_);
    if (!plan) co_return plan.error();
    id_hash ^= mock::hash_messages(chat.messages);
    result.model = plan->model;
    result.created = plan->created;
    for (const auto& choice : plan->choices) {  // n per prompt
      result.choices.push_back({.text = choice.text(), .finish_reason = choice.finish_reason});
    }
    usage.prompt_tokens += plan->usage.prompt_tokens;
    usage.completion_tokens += plan->usage.completion_tokens;
  }
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  result.usage = usage;
  result.id = "cmpl-mock-" + mock::hex_id(id_hash);
  co_return result;
}

}  // namespace roci
