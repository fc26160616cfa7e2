// clang-format off
// generate_text: one generation (the seed's `generate_text(&provider, messages, settings, &[])`),
// or a tool loop when given tools with handlers.
//
//   roci::MockProvider provider;  // or any roci::Provider, e.g. roci::LmStudioProvider
//   auto result = roci::generate_text(provider, {roci::ModelMessage::user("Hello, how are you?")},
//                                     roci::GenerationSettings{}, {});
//   if (result) std::cout << result->text << "\n";
//
// With tools that carry handlers (roci/sdk/tool.h shows a whole run), generate_text(provider,
// request, GenerateOptions{.tools = {...}, .max_steps = 5}) runs the loop and returns a
// GenerateTextResult: the final text, every step, usage per step and in total, the messages to
// append.
//
// The loop: call the model with the tools' definitions; when it asks for tools, run them (several
// at once concurrently), append its message and their results, and call it again; stop when it
// answers without asking for a tool, or after max_steps calls (then the last step's tools have run
// and finish_reason is kToolCalls). A call is handled, never fatal to the loop:
// an unknown tool name, arguments that are not JSON, or arguments that break the tool's schema
// (roci/core/json_schema.h) give the model {"error": "<what is wrong>"} as the result, and the
// handler's Error or exception gives it {"error": "<its message>"}.
// The loop fails (the Result holds an Error) only when a model call fails, the request is invalid,
// or the served model is not the requested one. Cancellation (awaitable form, asio per-operation
// cancellation) stops it at once: the model call in flight is closed, running tools are cancelled,
// and the result is kCancelled.
//
// What every form checks before sending (one set of ranges and messages with the gateway):
// messages not empty, temperature 0..2, top_p 0..1, max_tokens 1..2^20 or -1, penalties -2..2,
// top_k >= -1, at most 16 stop sequences: kInvalidRequest naming the field ("temperature must be a
// number between 0 and 2, got 3.5"). After each answer, that the model that answered is the one
// requested (the gateway's rules: the same id, a ":N" instance or "@quant" variant of it, the one
// listed model a requested substring names, any model for LM Studio's "local-model" alias, a dated
// snapshot except on LM Studio); otherwise kUpstreamError code "model_mismatch", which names
// GenerateOptions::accept_model_substitution (LM Studio silently answers unknown names with its
// loaded model).
//
// The sync forms block the calling thread; the requests (and awaitable tool handlers) run on the
// sync runtime thread, so a sync handler must not call a sync SDK function itself. Inside a
// coroutine, co_await generate_text_async instead (on any io_context).
// (tests/unit/sdk/header_examples_test.cc runs the first example as written.)
// clang-format on
#pragma once

#include <roci/asio_settings.h>
#include <roci/export.h>

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/provider.h>
#include <roci/sdk/tool.h>

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

namespace roci {

struct GenerateOptions {
  // Sent with the request (after request.tools, if any) and run when the model calls them.
  std::vector<Tool> tools;
  // Model calls at most (>= 1). 1: no loop, one call (its tool calls still run).
  int max_steps = 10;
  // Accept an answer from another model than the one requested instead of failing with
  // "model_mismatch" (e.g. LM Studio answering an unknown name with its loaded model).
  bool accept_model_substitution = false;
};

// One tool call the model made, and what was sent back.
struct ToolExecution {
  ToolCall call;
  std::string output;          // the tool message's content, as the model read it
  bool is_error = false;       // unknown tool, invalid arguments, or the handler failed
  std::optional<Error> error;  // the handler's error, when it returned one or threw
};

// One model call of a loop and the tools run after it.
struct GenerationStep {
  GenerationResult response;                // the answer: text, tool_calls, usage, model
  std::vector<ToolExecution> tool_results;  // in the order of response.tool_calls
};

struct GenerateTextResult {
  std::string text;                                  // the last step's text
  FinishReason finish_reason = FinishReason::kStop;  // the last step's
  std::string model;                                 // the model that answered (the last step's)
  std::vector<GenerationStep> steps;                 // every model call, in order (at least one)
  Usage usage;                                       // summed over the steps that reported usage
  bool step_limit_reached = false;  // stopped by max_steps while the model wanted tools
  // The messages the loop added after the request's: per step the assistant message (text and
  // tool calls), then one tool message per call. Append them to continue the conversation.
  std::vector<ModelMessage> response_messages;

  const GenerationResult& last_response() const { return steps.back().response; }
};

// The message(s) to append for an answer: one assistant message with its text and tool calls.
ROCI_EXPORT std::vector<ModelMessage> to_messages(const GenerationResult& result);

// One generation: checks the request, calls the provider, checks the served model.
ROCI_EXPORT Result<GenerationResult> generate_text(Provider& provider,
                                                   std::vector<ModelMessage> messages,
                                                   GenerationSettings settings,
                                                   std::vector<ToolDefinition> tools);
ROCI_EXPORT Result<GenerationResult> generate_text(Provider& provider, ProviderRequest request);
ROCI_EXPORT asio::awaitable<Result<GenerationResult>> generate_text_async(Provider& provider,
                                                                          ProviderRequest request);

// The tool loop (without tools: one checked generation with the step bookkeeping).
ROCI_EXPORT Result<GenerateTextResult> generate_text(Provider& provider, ProviderRequest request,
                                                     GenerateOptions options);
ROCI_EXPORT asio::awaitable<Result<GenerateTextResult>> generate_text_async(
    Provider& provider, ProviderRequest request, GenerateOptions options);

}  // namespace roci
