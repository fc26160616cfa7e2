// Fuzz targets as plain functions: one per entry point of issue 5's list. The libFuzzer mains
// (fuzz/<target>_fuzz.cc) and the gcc regression replay (tests/unit/fuzz_regressions) call the same
// functions, so a reproducer saved under fuzz/regressions/<target>/ replays exactly what crashed.
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     roci::fuzz::fuzz_sse_parser(data, size);
//     return 0;
//   }
//
// Each function accepts any bytes. It returns normally when the code under test behaved; it aborts
// (through FUZZ_CHECK, fuzz/targets/check.h) when an invariant of the code under test was broken,
// and sanitizers abort on memory errors, UB and leaks. The targets keep no state between calls
// apart from a reusable memfd (config_loader), so inputs replay deterministically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace roci::fuzz {

// parse_chat_request / parse_embedding_request / parse_completion_request on the input as a body.
void fuzz_chat_request(const std::uint8_t* data, std::size_t size);
// parse_responses_request, and the response object / event stream rendered from what it accepts.
void fuzz_responses_request(const std::uint8_t* data, std::size_t size);
// parse_messages_request / parse_count_tokens_request (Anthropic Messages) on the input as a body.
void fuzz_messages_request(const std::uint8_t* data, std::size_t size);
// SseParser: one-shot feed vs a feed split at input-derived positions must give the same events.
void fuzz_sse_parser(const std::uint8_t* data, std::size_t size);
// Every decoder of upstream_codec.h, plus classify_upstream_error / detect_error_body.
void fuzz_upstream_decode(const std::uint8_t* data, std::size_t size);
// load_gateway_config: YAML text [NUL NAME=VALUE]... (env vars, "--key.path=value" flags).
void fuzz_config_loader(const std::uint8_t* data, std::size_t size);
// LanguageModel::parse / ModelSelector::parse.
void fuzz_model_selector(const std::uint8_t* data, std::size_t size);

// The targets by name (the directory names under fuzz/corpus and fuzz/regressions).
struct NamedTarget {
  std::string_view name;
  void (*run)(const std::uint8_t*, std::size_t);
};
inline constexpr NamedTarget kTargets[] = {
    {"chat_request", fuzz_chat_request},         {"sse_parser", fuzz_sse_parser},
    {"upstream_decode", fuzz_upstream_decode},   {"config_loader", fuzz_config_loader},
    {"model_selector", fuzz_model_selector},     {"responses_request", fuzz_responses_request},
    {"messages_request", fuzz_messages_request},
};

}  // namespace roci::fuzz
