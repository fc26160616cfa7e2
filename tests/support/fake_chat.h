// The fakes' deterministic generator: what a chat or text completion answers, and how each
// server dialect (LM Studio /v1 and /api/v0, OpenAI, llama.cpp) renders it, whole or streamed.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "support/fake_internal.h"

namespace roci::testing::detail {

enum class Dialect { kLmStudio, kLmStudioV0, kOpenAi, kLlamaCpp };

struct PlannedToolCall {
  std::string id, name, arguments;
};

struct ChatPlan {
  std::string id;     // chatcmpl-... / cmpl-...
  std::string model;  // the model the response reports
  std::string system_fingerprint;
  std::int64_t created = 0;
  std::vector<std::string> reasoning;  // tokens
  std::string reasoning_field;         // "reasoning_content" | "reasoning"
  std::vector<std::string> tokens;     // content tokens
  std::vector<PlannedToolCall> tool_calls;
  std::string finish_reason;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  bool include_usage = false;  // stream_options.include_usage
  int context_length = 4096;   // /api/v0 model_info
  std::string arch = "llama";
  std::string quantization = "Q4_K_M";
};

// Splits text into tokens at word boundaries; join_tokens() gives the text back.
std::vector<std::string> tokenize(std::string_view text);
std::string join_tokens(const std::vector<std::string>& tokens);
// A tool call's arguments as streamed: fragments of a few characters.
std::vector<std::string> argument_pieces(std::string_view arguments);

// `request` is a chat request (messages) or a text completion request (prompt).
ChatPlan plan_chat(const boost::json::object& request, std::string served_model, Dialect dialect,
                   State& state, const Fault* fault);
ChatPlan plan_completion(const boost::json::object& request, std::string served_model,
                         Dialect dialect, State& state, const Fault* fault);

std::string render_chat(const ChatPlan& plan, Dialect dialect);
std::vector<SseEvent> render_chat_stream(const ChatPlan& plan, Dialect dialect);
std::string render_completion(const ChatPlan& plan, Dialect dialect);
std::vector<SseEvent> render_completion_stream(const ChatPlan& plan, Dialect dialect);

// A Reply for a chat/completion plan: stream or not, per the request's "stream".
Reply chat_reply(const boost::json::object& request, const ChatPlan& plan, Dialect dialect);
Reply completion_reply(const boost::json::object& request, const ChatPlan& plan, Dialect dialect);

// Deterministic unit vectors; `input` is a string or an array of strings.
std::vector<std::vector<double>> embed(const boost::json::value& input, int dims);
int count_words(const boost::json::value& input);  // strings, arrays, message lists

}  // namespace roci::testing::detail
