// The CPU a dialect adds per request, Chat Completions vs Responses, for the same ~1 KB
// conversation and the same 32-token answer: what the gateway does of its own for one request
// (parse + validate the body; render the complete answer, or open, encode every part of and end
// the event stream). The rest of the path (routing, admission, provider, socket writes) is the
// same code for every dialect. Figure: ns per request (Time); the difference of the two rows of a
// kind is the dialect's added CPU.
#include "micro_data.h"
#include "openai_wire/downstream_codec.h"
#include "openai_wire/downstream_responses.h"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

namespace ow = roci::openai_wire;

constexpr int kTokens = 32;

// The chat body's messages as a Responses body: the same conversation and settings.
std::string responses_body(bool stream) {
  auto chat = ow::parse_chat_request(roci::bench::make_chat_body(1000), {});
  std::string body = R"({"model":"llama3.3","instructions":")" +
                     roci::bench::escape_json(chat->request.messages[0].content) + R"(","input":[)";
  for (std::size_t i = 1; i < chat->request.messages.size(); ++i) {
    if (i > 1) body += ",";
    body += R"({"role":")" + std::string(roci::to_string(chat->request.messages[i].role)) +
            R"(","content":")" + roci::bench::escape_json(chat->request.messages[i].content) +
            "\"}";
  }
  body += std::string(R"(],"max_output_tokens":256,"temperature":0.7,"top_p":0.95,"stream":)") +
          (stream ? "true" : "false") + "}";
  return body;
}

roci::GenerationResult answer() {
  roci::GenerationResult r;
  for (int i = 0; i < kTokens; ++i) r.text += " token";
  r.usage = roci::Usage{250, kTokens, 250 + kTokens};
  return r;
}

void BM_Dialect_Chat_Complete(benchmark::State& state) {
  const std::string body = roci::bench::make_chat_body(1000);
  const roci::GenerationResult result = answer();
  for (auto _ : state) {
    auto parsed = ow::parse_chat_request(body, {});
    std::string out = ow::encode_chat_completion(result, "chatcmpl-x", "llama3.3", 1731990317);
    benchmark::DoNotOptimize(parsed);
    benchmark::DoNotOptimize(out);
  }
}

void BM_Dialect_Responses_Complete(benchmark::State& state) {
  const std::string body = responses_body(false);
  const roci::GenerationResult result = answer();
  for (auto _ : state) {
    auto parsed = ow::parse_responses_request(body, {});
    ow::ResponseHead head{.id = ow::new_completion_id("resp_"),
                          .model = "llama3.3",
                          .created_at = 1731990317,
                          .echo = std::move(parsed->echo)};
    std::string out =
        ow::encode_response(head, ow::response_output(result),
                            ow::response_outcome(result.finish_reason), result.usage, 1731990318);
    benchmark::DoNotOptimize(out);
  }
}

void BM_Dialect_Chat_Stream(benchmark::State& state) {
  const std::string body = roci::bench::make_chat_body(1000, true);
  for (auto _ : state) {
    auto parsed = ow::parse_chat_request(body, {});
    ow::ChunkEncoder enc("chatcmpl-x", "llama3.3", 1731990317);
    std::size_t bytes = 0;
    for (int i = 0; i < kTokens; ++i) bytes += enc.encode(roci::TextDelta{" token"}).size();
    bytes += enc.encode(roci::Finish{.usage = roci::Usage{250, kTokens, 250 + kTokens}}).size();
    bytes += ow::ChunkEncoder::done().size();
    benchmark::DoNotOptimize(parsed);
    benchmark::DoNotOptimize(bytes);
  }
}

void BM_Dialect_Responses_Stream(benchmark::State& state) {
  const std::string body = responses_body(true);
  for (auto _ : state) {
    auto parsed = ow::parse_responses_request(body, {});
    ow::ResponsesEventEncoder enc(ow::ResponseHead{.id = ow::new_completion_id("resp_"),
                                                   .model = "llama3.3",
                                                   .created_at = 1731990317,
                                                   .echo = std::move(parsed->echo)});
    std::size_t bytes = enc.open().size();
    for (int i = 0; i < kTokens; ++i) bytes += enc.encode(roci::TextDelta{" token"}).size();
    bytes += enc.finish(roci::Finish{.usage = roci::Usage{250, kTokens, 250 + kTokens}}).size();
    benchmark::DoNotOptimize(bytes);
  }
}

BENCHMARK(BM_Dialect_Chat_Complete);
BENCHMARK(BM_Dialect_Responses_Complete);
BENCHMARK(BM_Dialect_Chat_Stream);
BENCHMARK(BM_Dialect_Responses_Stream);

}  // namespace
