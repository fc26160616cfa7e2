// MockPlan: everything the mock will answer to one request, decided up front.
//
//   auto plan = roci::mock::make_plan(options, request, configured_model);   // Result<MockPlan>
//   if (!plan) co_return plan.error();      // fail_with, extra["mock"].fail_status, 404, ...
//   plan->choices[0].text_tokens;           // {"Quantum", " lattice", ...}: concatenated, the text
//
// A plan merges the provider's MockOptions with the per-request script in
// settings.extra["mock"] (see roci/provider/mock_provider.h), so generate() and stream() answer the
// same request identically. Pure functions, no I/O.
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/mock_provider.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roci::mock {

// The per-request script read from settings.extra["mock"]; unset fields fall back to MockOptions.
struct MockScript {
  std::optional<int> fail_status;
  std::optional<int> cut_after_tokens;
  std::optional<std::chrono::milliseconds> first_byte_delay;
  std::optional<std::chrono::milliseconds> token_delay;
  std::optional<int> tokens;
  std::vector<ToolCall> tool_calls;  // ids "call_mock_<i>"
  bool reasoning = false;
  // A plan over the calls of a tool loop: steps[k] scripts the k-th call after the last user
  // message (k = the assistant messages since it). A step's tool_call replaces the script's, and a
  // step without one answers with text; its other keys override the script's. Past the last step
  // (and in a step without tool_call) the answer is text. Steps do not nest.
  std::vector<MockScript> steps;
};

// Parses extra["mock"] (absent: an empty script). Errors: kInvalidRequest, param "mock".
Result<MockScript> parse_script(const boost::json::object& extra);

// The script of the `call`-th model call after the last user message (see MockScript::steps).
MockScript script_for_call(const MockScript& script, std::size_t call);
// The assistant messages after the last user message.
std::size_t calls_since_user(const std::vector<ModelMessage>& messages);

// The error a real upstream answering HTTP `status` would cause (404 lists `models`).
Error error_for_status(int status, const std::vector<std::string>& models,
                       const std::string& model);

// One choice of the answer (n > 1 gives several).
struct MockChoice {
  std::vector<std::string> reasoning_tokens;
  std::vector<std::string> text_tokens;  // concatenated they form the answer
  std::vector<ToolCall> tool_calls;      // ids "call_mock_0", ... (choice c > 0: "call_mock_c_0")
  FinishReason finish_reason = FinishReason::kStop;

  std::string text() const;
  std::string reasoning() const;
};

struct MockPlan {
  std::string model;  // the served model
  std::string id;     // "chatcmpl-mock-<hash>"
  std::int64_t created = 0;
  std::vector<MockChoice> choices;  // requested_choices() of them, at least one
  Usage usage;                      // every choice's tokens
  std::chrono::milliseconds first_byte_delay{0};
  std::chrono::milliseconds token_delay{0};
  std::optional<int> cut_after_tokens;  // the stream dies after this many text deltas

  // True when the upstream "dies" before the answer is complete (cut_after_tokens <= the text
  // tokens of all choices).
  bool is_cut() const;
  Error cut_error() const;
};

// Choices per request, as OpenAI accepts them.
inline constexpr int kMaxChoices = 128;

// Whether the mock serves `model`: one of options.models or `configured_model`. Otherwise the
// kModelNotFound (upstream_status 404) a real server gives, listing them.
std::optional<Error> check_model(const MockOptions& options, const std::string& configured_model,
                                 const std::string& model);

// Errors: options.fail_with, the scripted fail_status, a malformed script, an unknown model
// (404), n above kMaxChoices, a tool parameters or response_format schema with no instance.
Result<MockPlan> make_plan(const MockOptions& options, const ProviderRequest& request,
                           const std::string& configured_model);

// Deterministic helpers, exposed for MockProvider::answer_tokens, embed() and complete().
std::uint64_t hash_messages(const std::vector<ModelMessage>& messages);
std::uint64_t hash_text(std::string_view text);
std::vector<std::string> words_from_hash(std::uint64_t hash, int count);
int count_words(std::string_view text);
int count_prompt_words(const std::vector<ModelMessage>& messages);
std::string hex_id(std::uint64_t hash);
std::int64_t unix_now();

}  // namespace roci::mock
