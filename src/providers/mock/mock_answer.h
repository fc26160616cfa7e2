// What the mock says to a request, apart from its faults and timing: the tool calls it makes, the
// JSON that response_format asks for, the sentence that reports tool results, and how an answer is
// cut into stream tokens. Pure functions of the request (the rules are documented in
// roci/provider/mock_provider.h); MockPlan assembles them per choice.
//
//   auto calls = roci::mock::tool_calls_for(request);          // Result<std::vector<ToolCall>>
//   std::string said = roci::mock::tool_result_summary(request.messages);
//   auto json = roci::mock::schema_answer(request);            //
//   Result<std::optional<std::string>>
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roci::mock {

// "call_mock_<index>" for choice 0, "call_mock_<choice>_<index>" for the other choices.
std::string tool_call_id(int choice, std::size_t index);

// The calls the request asks for (ids for choice 0), or none. Errors: kInvalidRequest (param
// "tools[i].function.parameters") when the called tool's parameters schema has no instance.
Result<std::vector<ToolCall>> tool_calls_for(const ProviderRequest& request);

// "According to get_weather: {"temp": 21}." for the tool results that follow the last user
// message (each result cut to 200 bytes), or "" when there are none.
std::string tool_result_summary(const std::vector<ModelMessage>& messages);

// response_format json_schema with a schema: an instance of it, serialized. nullopt for any other
// format. Errors: kInvalidRequest (param "response_format.json_schema.schema") when the schema has
// no instance.
Result<std::optional<std::string>> schema_answer(const ProviderRequest& request);

// True when response_format asks for a JSON object without a schema to follow (json_object, or
// json_schema without a schema): the answer is then {"answer": "<text>"}.
bool wants_json_object(const ProviderRequest& request);

// Stream tokens of a prose answer: its words, each after the first with its leading space.
std::vector<std::string> word_tokens(std::string_view text);
// Stream tokens of a JSON answer: pieces of at most `bytes` bytes, never inside a UTF-8 sequence.
std::vector<std::string> byte_tokens(std::string_view text, std::size_t bytes);

}  // namespace roci::mock
