// Added CPU per request of the Anthropic Messages dialect against Chat Completions, same run: the
// codec work one request costs the gateway in each dialect, for the same ~1 KB conversation (system
// prompt + user question): parse and validate the body, then render a 60-word answer (`_Once`) or
// encode a 20-token stream with its finish (`_Stream20`). Everything around the codec (resolution,
// admission, the provider, the writer) is one pipeline for every dialect, so the difference of the
// Chat and Messages figures is what the dialect adds. Figure: ns per request (CPU).
#include "anthropic_wire/messages_codec.h"
#include "micro_data.h"
#include "openai_wire/downstream_codec.h"

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

namespace {

namespace json = boost::json;

// The chat body as a Messages body: the system message as `system`, the rest unchanged.
std::string messages_body(bool stream) {
  auto root = json::parse(roci::bench::make_chat_body(1000, stream)).as_object();
  auto& messages = root.at("messages").as_array();
  root["system"] = messages.front().at("content");
  messages.erase(messages.begin());
  return json::serialize(root);
}

roci::GenerationResult answer() {
  roci::GenerationResult r;
  for (int i = 0; i < 60; ++i) r.text += "word ";
  r.usage = roci::Usage{250, 60, 310};
  r.model = "llama3.3";
  return r;
}

void BM_Dialect_Chat_Once(benchmark::State& state) {
  const std::string body = roci::bench::make_chat_body(1000);
  const roci::openai_wire::RequestLimits limits;
  const auto result = answer();
  for (auto _ : state) {
    auto parsed = roci::openai_wire::parse_chat_request(body, limits);
    benchmark::DoNotOptimize(parsed);
    auto out = roci::openai_wire::encode_chat_completion(
        result, roci::openai_wire::new_completion_id(), result.model, 1731990317);
    benchmark::DoNotOptimize(out);
  }
}

void BM_Dialect_Messages_Once(benchmark::State& state) {
  const std::string body = messages_body(false);
  const roci::openai_wire::RequestLimits limits;
  const auto result = answer();
  for (auto _ : state) {
    auto parsed = roci::anthropic_wire::parse_messages_request(body, limits);
    if (!parsed) {
      state.SkipWithError(parsed.error().message.c_str());
      break;
    }
    auto out = roci::anthropic_wire::encode_message(result, roci::anthropic_wire::new_message_id(),
                                                    result.model, parsed->options);
    benchmark::DoNotOptimize(out);
  }
}

roci::Finish finish() {
  roci::Finish f;
  f.usage = roci::Usage{250, 20, 270};
  return f;
}

void BM_Dialect_Chat_Stream20(benchmark::State& state) {
  const std::string body = roci::bench::make_chat_body(1000, true);
  const roci::openai_wire::RequestLimits limits;
  for (auto _ : state) {
    auto parsed = roci::openai_wire::parse_chat_request(body, limits);
    benchmark::DoNotOptimize(parsed);
    roci::openai_wire::ChunkEncoder encoder(roci::openai_wire::new_completion_id(), "llama3.3",
                                            1731990317);
    std::size_t bytes = 0;
    for (int i = 0; i < 20; ++i) bytes += encoder.encode(roci::TextDelta{" token"}).size();
    bytes += encoder.encode(roci::StreamPart(finish())).size();
    bytes += roci::openai_wire::ChunkEncoder::done().size();
    benchmark::DoNotOptimize(bytes);
  }
}

void BM_Dialect_Messages_Stream20(benchmark::State& state) {
  const std::string body = messages_body(true);
  const roci::openai_wire::RequestLimits limits;
  for (auto _ : state) {
    auto parsed = roci::anthropic_wire::parse_messages_request(body, limits);
    if (!parsed) {
      state.SkipWithError(parsed.error().message.c_str());
      break;
    }
    roci::anthropic_wire::MessageStreamEncoder encoder(roci::anthropic_wire::new_message_id(),
                                                       "llama3.3", parsed->options);
    std::size_t bytes = encoder.begin().size();
    for (int i = 0; i < 20; ++i) bytes += encoder.encode(roci::TextDelta{" token"}).size();
    bytes += encoder.encode(roci::StreamPart(finish())).size();
    benchmark::DoNotOptimize(bytes);
  }
}

BENCHMARK(BM_Dialect_Chat_Once);
BENCHMARK(BM_Dialect_Messages_Once);
BENCHMARK(BM_Dialect_Chat_Stream20);
BENCHMARK(BM_Dialect_Messages_Stream20);

}  // namespace
