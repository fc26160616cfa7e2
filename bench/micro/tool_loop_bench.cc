// The tool loop's own overhead per step (roci/sdk/generate.h): generate_text_async against a
// zero-delay MockProvider, on one io_context, with a tool whose handler does nothing. Two rows:
// one plain generation through the same facade (the checks and the served-model comparison), and
// a loop of one tool step plus the answer. (loop - plain) / 1 is what a step costs on top of the
// model call: parsing and validating the arguments, running the handler, appending the messages.
// Figure: ns per iteration.
#include <roci/provider/mock_provider.h>
#include <roci/sdk/generate.h>

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

namespace {

namespace asio = boost::asio;

roci::ProviderRequest request() {
  roci::ProviderRequest r;
  r.messages.push_back(roci::ModelMessage::user(R"(call: {"city":"Paris"})"));
  return r;
}

roci::Tool weather() {
  return roci::Tool("get_weather", "The weather in a city.",
                    boost::json::parse(R"({"type":"object","required":["city"],
                                           "properties":{"city":{"type":"string"}}})"),
                    [](const boost::json::value&) { return std::string("sunny"); });
}

template <class Task>
void run(asio::io_context& io, Task task) {
  asio::co_spawn(io, std::move(task), asio::detached);
  io.restart();
  io.run();
}

void BM_GenerateOneStep(benchmark::State& state) {
  roci::MockProvider provider;
  asio::io_context io;
  const auto r = request();
  for (auto _ : state) {
    run(io, [&]() -> asio::awaitable<void> {
      auto got = co_await roci::generate_text_async(provider, r, roci::GenerateOptions{});
      benchmark::DoNotOptimize(got);
    });
  }
}
BENCHMARK(BM_GenerateOneStep);

void BM_ToolLoopTwoSteps(benchmark::State& state) {
  roci::MockProvider provider;
  asio::io_context io;
  const auto r = request();
  roci::GenerateOptions options;
  options.tools.push_back(weather());
  for (auto _ : state) {
    run(io, [&]() -> asio::awaitable<void> {
      auto got = co_await roci::generate_text_async(provider, r, options);
      if (!got || got->steps.size() != 2) std::abort();
      benchmark::DoNotOptimize(got);
    });
  }
}
BENCHMARK(BM_ToolLoopTwoSteps);

}  // namespace
