// The per-token and per-request codec costs of the gateway's hot path:
//   stream:     decode_chat_chunk (upstream -> typed) and ChunkEncoder::encode (typed -> client)
//   non-stream: encode_chat_request (typed -> upstream), decode_chat_response,
//   encode_chat_completion
// Figure: ns per chunk / per body (the Time column).
#include "micro_data.h"
#include "openai_wire/downstream_codec.h"
#include "openai_wire/upstream_codec.h"

#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

namespace {

namespace wire = roci::openai_wire;

void BM_ChunkDecode(benchmark::State& state) {
  for (auto _ : state) {
    auto chunk = wire::decode_chat_chunk(roci::bench::kChunkJson, "LM Studio");
    if (!chunk) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(chunk);
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * roci::bench::kChunkJson.size()));
}
BENCHMARK(BM_ChunkDecode);

void BM_ChunkDecode_FinishWithUsage(benchmark::State& state) {
  for (auto _ : state) {
    auto chunk = wire::decode_chat_chunk(roci::bench::kFinishChunkJson, "LM Studio");
    if (!chunk || !chunk->usage) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(chunk);
  }
}
BENCHMARK(BM_ChunkDecode_FinishWithUsage);

void BM_ChunkEncode(benchmark::State& state) {
  wire::ChunkEncoder encoder(wire::new_completion_id(), "qwen2.5-7b-instruct", 1731990317);
  benchmark::DoNotOptimize(encoder.encode(roci::TextDelta{"Hello"}));  // the role chunk
  const roci::StreamPart part = roci::TextDelta{" reverse"};
  for (auto _ : state) {
    std::string out = encoder.encode(part);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ChunkEncode);

// decode + encode of one token: the gateway's whole per-chunk codec work.
void BM_ChunkDecodeEncode(benchmark::State& state) {
  wire::ChunkEncoder encoder(wire::new_completion_id(), "qwen2.5-7b-instruct", 1731990317);
  benchmark::DoNotOptimize(encoder.encode(roci::TextDelta{"Hello"}));
  for (auto _ : state) {
    auto chunk = wire::decode_chat_chunk(roci::bench::kChunkJson, "LM Studio");
    if (!chunk || chunk->parts.empty()) {
      state.SkipWithError("decode failed");
      break;
    }
    std::string out = encoder.encode(chunk->parts.front());
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ChunkDecodeEncode);

void BM_UpstreamRequestEncode_1KB(benchmark::State& state) {
  auto parsed = wire::parse_chat_request(roci::bench::make_chat_body(1000), {});
  if (!parsed) {
    state.SkipWithError("parse failed");
    return;
  }
  parsed->request.model = "llama3.3";
  for (auto _ : state) {
    std::string body =
        wire::encode_chat_request(parsed->request, false, wire::UpstreamDialect{true, true});
    benchmark::DoNotOptimize(body.data());
  }
}
BENCHMARK(BM_UpstreamRequestEncode_1KB);

std::string response_body() {
  // The ~1 KB body bench/run's upstream answers (bench/nginx/chat_response.json).
  std::ifstream in(ROCI_BENCH_DIR "/nginx/chat_response.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void BM_ResponseDecode_1KB(benchmark::State& state) {
  const std::string body = response_body();
  for (auto _ : state) {
    auto result = wire::decode_chat_response(body, "LM Studio");
    if (!result) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ResponseDecode_1KB);

void BM_ResponseEncode_1KB(benchmark::State& state) {
  auto result = wire::decode_chat_response(response_body(), "LM Studio");
  if (!result) {
    state.SkipWithError("decode failed");
    return;
  }
  const std::string id = wire::new_completion_id();
  for (auto _ : state) {
    std::string out = wire::encode_chat_completion(*result, id, "llama3.3", 1731990317);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ResponseEncode_1KB);

}  // namespace
