// MockProvider: a deterministic, scriptable provider with no network; the gateway's embedded
// default.
//
//   roci::MockProvider mock;                                   // instant answers, "mock-model"
//   roci::MockProvider seed({.models = {"local-model", "TheBloke/Llama-2-7B-Chat-GGUF"}});
//   roci::MockProvider slow({.token_delay = std::chrono::milliseconds(20)});
//   roci::MockProvider broken({.fail_with = roci::Error::upstream("boom", 500)});
//
// Models: its catalogue is `MockOptions::models` plus the model it is constructed with (by
// default the first listed); list_models() lists them. A request for any other name fails as a
// real server does: kModelNotFound (upstream_status 404) listing the catalogue.
//
// Answers, decided in this order (the same request always gets the same answer):
//  1. Tool calls, when `tools` are given and tool_choice is not "none":
//     - a last user message `call: [name] [{json}][; ...]` calls those tools with those arguments
//       (an empty name: the first tool, or the one tool_choice names; the fake upstream's
//       convention);
//     - tool_choice naming a function calls it (kInvalidRequest, param tool_choice, when it is not
//       in `tools`);
//     - otherwise, when the last message is from the user, the first tool it asks for: the
//       message contains the tool's name ("get_weather" or "get weather"), or a word of it with
//       4+ letters begins a word of the message ("What's the weather?" asks for get_weather);
//     - otherwise tool_choice "required" calls the first tool, "auto" calls nothing.
//     Arguments are json_schema::generate_instance of the tool's parameters (kInvalidRequest,
//     param tools[i].function.parameters, when that schema has no instance). So after a `tool`
//     message the last message is not the user's and "auto" answers with text: a client's tool
//     loop ends. "required" and a named function still call, as OpenAI does.
//  2. Text: with tool results after the last user message, "According to <tool>: <result>." (each
//     result cut to 200 bytes); otherwise `completion_tokens` words picked by a hash of the
//     conversation (extra.mock.tokens overrides the count).
//  3. response_format json_object (or json_schema without a schema) wraps that text as
//     {"answer": "<text>"}; json_schema with a schema answers generate_instance(schema) instead
//     (kInvalidRequest, param response_format.json_schema.schema, when it has no instance). JSON
//     answers stream in pieces of at most 4 bytes, one token each.
//  4. max_tokens cuts the tokens of each choice (finish_reason "length"; a cut JSON answer is
//     invalid JSON, as with a real model).
//  5. settings.extra["n"] (requested_choices(), at most 128) gives that many choices: choice 0 is
//     the answer above, choice c > 0 picks its words with the hash mixed with c; tool calls and
//     JSON are the same in every choice (ids call_mock_<c>_<i> for c > 0). Streams interleave the
//     choices one part each; usage counts them all.
// answer_tokens() returns the words of rule 2 with their leading space, so joining them gives the
// text.
//
// Faults: `fail_with` fails at setup, `cut_after_tokens` ends a stream with an UpstreamError after
// that many text tokens (and makes generate() fail the same way), `first_byte_delay` delays the
// first event. Per-request scripting for end-to-end tests: settings.extra["mock"] may hold
// {"fail_status": 500, "cut_after_tokens": 3, "first_byte_delay_ms": 200, "token_delay_ms": 10,
// "tokens": 5, "tool_call": {"name", "arguments"} (or an array of them; ids call_mock_<i>; it
// overrides rule 1), "reasoning": true, "steps": [{...}, ...]}; these keys are consumed by the mock
// and never forwarded anywhere. "steps" scripts a tool loop: steps[k] (same keys, no "steps") is
// the script of the k-th call after the last user message (k = assistant messages since it); a
// step's "tool_call" replaces the script's, a step without one, and every call past the last
// step, answers with text (rule 2), so a loop ends when its plan does.
// Cancellation: delays are asio timers; cancelling or destroying a stream stops it at once.
#pragma once

#include <roci/provider/provider.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace roci {

struct MockOptions {
  int completion_tokens = 16;
  std::chrono::milliseconds token_delay{0};
  std::chrono::milliseconds first_byte_delay{0};
  std::optional<Error> fail_with;
  std::optional<int> cut_after_tokens;
  std::vector<std::string> models{"mock-model"};
};

class MockProvider final : public Provider {
 public:
  // `model`: the model requests without one are served with; "" means options.models.front()
  // ("mock-model" when the list is empty). It joins the catalogue when it is not listed.
  // `name`: the instance's name() ("" -> "mock").
  explicit MockProvider(MockOptions options = {}, std::string model = {},
                        std::string name = "mock");

  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "mock"; }
  const std::string& model_id() const override { return model_; }

  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) override;
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) override;
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override;
  asio::awaitable<Result<ProviderHealth>> health() override;
  Capabilities capabilities(std::string_view model) const override;
  asio::awaitable<Result<EmbeddingResult>> embed(EmbeddingRequest request) override;
  asio::awaitable<Result<CompletionResult>> complete(CompletionRequest request) override;

  // The deterministic words the mock answers `messages` with (rule 2; exposed for tests).
  static std::vector<std::string> answer_tokens(const std::vector<ModelMessage>& messages,
                                                int count);

 private:
  MockOptions options_;
  std::string model_;
  std::string name_;
};

}  // namespace roci
