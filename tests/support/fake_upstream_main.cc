// fake-upstream: the fake LM Studio / OpenAI / llama.cpp server as a process, for the gateway's
// end-to-end tests and the benchmark. Prints "listening on HOST:PORT" as its first stdout line,
// then serves until SIGTERM or SIGINT. /__control/* is on unless --no-control.
//
//   fake-upstream --mode lmstudio --port 0 --models qwen3,gemma-3 --loaded qwen3 --token-delay-ms
//   20
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "support/fake_upstream.h"

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using roci::testing::FakeModel;
  using roci::testing::FakeOptions;

  CLI::App app{"Fake LM Studio / OpenAI / llama.cpp upstream for roci's tests and benchmarks"};
  std::string mode = "lmstudio";
  std::string models = "llama3.3";
  std::string loaded;
  std::string embedding_models;
  long long token_delay_ms = 0;
  long long keep_alive_ms = 5000;
  long long jit_load_delay_ms = 0;
  bool no_control = false;
  bool no_jit = false;
  bool strict_names = false;
  bool pings = false;
  bool no_pings = false;
  FakeOptions options;
  app.add_option("--mode", mode, "lmstudio | openai | llamacpp")->capture_default_str();
  app.add_option("--host", options.host, "Address to bind")->capture_default_str();
  app.add_option("--port", options.port, "Port to bind (0: any free port)")->capture_default_str();
  app.add_option("--models", models, "Comma-separated chat model ids")->capture_default_str();
  app.add_option("--loaded", loaded, "Comma-separated ids of loaded models (default: all)");
  app.add_option("--embedding-models", embedding_models, "Comma-separated embedding model ids");
  app.add_option("--api-key", options.api_key, "Require 'Authorization: Bearer KEY'");
  app.add_option("--token-delay-ms", token_delay_ms, "Delay between streamed tokens");
  app.add_option("--keep-alive-ms", keep_alive_ms, "Idle keep-alive timeout")
      ->capture_default_str();
  app.add_option("--jit-load-delay-ms", jit_load_delay_ms, "Delay of a JIT model load");
  app.add_option("--threads", options.threads, "io_context threads")->capture_default_str();
  app.add_option("--reasoning", options.reasoning, "Reasoning text before every answer");
  app.add_option("--reasoning-field", options.reasoning_field,
                 "reasoning_content | reasoning (gpt-oss)")
      ->capture_default_str();
  app.add_flag("--zero-delay,--bench", options.bench,
               "Bench profile: precomputed ~1 KB body / 20-chunk stream, no recording");
  app.add_flag("--no-control", no_control, "Disable /__control/*");
  app.add_flag("--no-jit", no_jit, "LM Studio: list and serve loaded models only");
  app.add_flag("--strict-model-names", strict_names,
               "LM Studio: one loaded model does not serve unknown names (no BT#619)");
  app.add_flag("--sse-pings", pings, "Write ': ping' lines between stream chunks");
  app.add_flag("--no-sse-pings", no_pings, "Never write ': ping' lines");
  CLI11_PARSE(app, argc, argv);

  const auto parsed_mode = roci::testing::parse_fake_mode(mode);
  if (!parsed_mode) {
    std::cerr << "fake-upstream: unknown --mode " << mode << "\n";
    return 2;
  }
  options.mode = *parsed_mode;
  const auto loaded_ids = split_list(loaded);
  options.models.clear();
  for (const auto& id : split_list(models)) {
    FakeModel model{id};
    model.loaded =
        loaded.empty() || std::find(loaded_ids.begin(), loaded_ids.end(), id) != loaded_ids.end();
    options.models.push_back(std::move(model));
  }
  for (const auto& id : split_list(embedding_models)) {
    FakeModel model{id, "embeddings"};
    model.max_context_length = 2048;
    options.models.push_back(std::move(model));
  }
  options.token_delay = std::chrono::milliseconds(token_delay_ms);
  options.keep_alive_timeout = std::chrono::milliseconds(keep_alive_ms);
  options.jit_load_delay = std::chrono::milliseconds(jit_load_delay_ms);
  options.control = !no_control;
  options.jit = !no_jit;
  options.single_model_serves_any_name = !strict_names;
  if (pings) options.sse_pings = true;
  if (no_pings) options.sse_pings = false;

  // Block the signals before the server threads start so that only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    roci::testing::FakeUpstream fake(std::move(options));
    std::printf("listening on %s:%u\n", fake.options().host.c_str(),
                static_cast<unsigned>(fake.port()));
    std::fflush(stdout);
    int received = 0;
    sigwait(&signals, &received);
  } catch (const std::exception& e) {
    std::cerr << "fake-upstream: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
