// Client request parse + validate (parse_chat_request): a ~1 KB body (system + user message) and
// a ~100 KB body (a long conversation). Figure: ns per request (Time) and MB/s.
#include "micro_data.h"
#include "openai_wire/downstream_codec.h"

#include <benchmark/benchmark.h>

namespace {

void run_parse(benchmark::State& state, std::size_t bytes) {
  const std::string body = roci::bench::make_chat_body(bytes);
  const roci::openai_wire::RequestLimits limits;
  for (auto _ : state) {
    auto parsed = roci::openai_wire::parse_chat_request(body, limits);
    if (!parsed) {
      state.SkipWithError(parsed.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_ParseChatRequest_1KB(benchmark::State& state) { run_parse(state, 1000); }
void BM_ParseChatRequest_100KB(benchmark::State& state) { run_parse(state, 100 * 1000); }
BENCHMARK(BM_ParseChatRequest_1KB);
BENCHMARK(BM_ParseChatRequest_100KB);

}  // namespace
