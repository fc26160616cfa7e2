// Model resolution (server/model_resolver.h, resolve_model_id) against a list of 1,000 LM Studio
// model ids: an exact id (the last one listed), a unique case-insensitive substring, the default
// model (""), and an unknown name (the error listing the models). Figure: ns per resolution.
#include "server/routing/model_resolver.h"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using roci::server::ResolverOptions;

std::vector<roci::ModelInfo> thousand_models() {
  std::vector<roci::ModelInfo> models;
  for (int i = 0; i < 1000; ++i) {
    roci::ModelInfo m;
    m.id = "publisher-" + std::to_string(i % 37) + "/model-" + std::to_string(i) + "-instruct-GGUF";
    m.type = "llm";
    m.state = i == 500 ? "loaded" : "not-loaded";
    models.push_back(std::move(m));
  }
  return models;
}

ResolverOptions options() {
  ResolverOptions o;
  o.provider_name = "lmstudio";
  o.is_primary = true;
  o.fallback_model = "local-model";
  return o;
}

void run_resolve(benchmark::State& state, std::string requested, bool expect_ok) {
  const auto models = thousand_models();
  const ResolverOptions o = options();
  for (auto _ : state) {
    auto r = roci::server::resolve_model_id(requested, &models, o);
    if (static_cast<bool>(r) != expect_ok) {
      state.SkipWithError("unexpected resolution result");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}

void BM_ResolveModel1000_ExactLast(benchmark::State& state) {
  run_resolve(state, "publisher-0/model-999-instruct-GGUF", true);
}
void BM_ResolveModel1000_Substring(benchmark::State& state) {
  run_resolve(state, "MODEL-777-", true);
}
void BM_ResolveModel1000_Default(benchmark::State& state) { run_resolve(state, "", true); }
void BM_ResolveModel1000_Unknown(benchmark::State& state) {
  run_resolve(state, "no-such-model", false);
}
BENCHMARK(BM_ResolveModel1000_ExactLast);
BENCHMARK(BM_ResolveModel1000_Substring);
BENCHMARK(BM_ResolveModel1000_Default);
BENCHMARK(BM_ResolveModel1000_Unknown);

}  // namespace
