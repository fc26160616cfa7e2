// SSE parsing throughput: a realistic 20-event LM Studio stream through SseParser, fed whole, in
// 1,500-byte pieces (one loopback read of a busy stream) and one byte at a time (the worst split).
// Figure: bytes_per_second (MB/s) and ns per event.
#include "micro_data.h"
#include "openai_wire/sse_parser.h"

#include <benchmark/benchmark.h>

namespace {

using roci::openai_wire::SseParser;

void run_sse(benchmark::State& state, std::size_t piece) {
  const std::string stream = roci::bench::make_stream();
  std::size_t events = 0;
  for (auto _ : state) {
    SseParser parser;
    std::size_t n = 0;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      parser.feed(std::string_view(stream).substr(at, piece));
      for (;;) {
        auto ev = parser.next_event();
        if (!ev || !*ev) break;
        benchmark::DoNotOptimize((*ev)->data.data());
        ++n;
      }
    }
    parser.finish();
    if (n != 20) state.SkipWithError("wrong event count");
    events += n;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
  state.counters["ns_per_event"] = benchmark::Counter(
      static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_SseParse_Whole(benchmark::State& state) { run_sse(state, 1u << 30); }
void BM_SseParse_1500B(benchmark::State& state) { run_sse(state, 1500); }
void BM_SseParse_EveryByte(benchmark::State& state) { run_sse(state, 1); }

BENCHMARK(BM_SseParse_Whole);
BENCHMARK(BM_SseParse_1500B);
BENCHMARK(BM_SseParse_EveryByte);

}  // namespace
