// Private: runs the tool calls of one model answer (generate.h, "The loop").
//
//   std::vector<ToolExecution> done = co_await run_tool_calls(options.tools, result.tool_calls);
//
// Each call: find the tool by name, parse the arguments (an empty string is {}), validate them
// against the tool's parameters (core/json_schema.h), run the handler, and render what the model
// reads: the output as text, or {"error": "..."}. Several calls run concurrently (a parallel group
// on the caller's executor); the results keep the order of `calls`. Cancelling the awaiting
// coroutine cancels every running handler; the caller then sees is_cancelled() and stops.
#pragma once

#include <roci/sdk/generate.h>
#include <roci/sdk/tool.h>

#include <boost/asio/awaitable.hpp>
#include <vector>

namespace roci::sdk {

asio::awaitable<ToolExecution> run_tool_call(const std::vector<Tool>& tools, ToolCall call);

asio::awaitable<std::vector<ToolExecution>> run_tool_calls(const std::vector<Tool>& tools,
                                                           const std::vector<ToolCall>& calls);

}  // namespace roci::sdk
