#include "sdk/tool_runner.h"

#include <roci/core/json_schema.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <exception>
#include <string>

namespace roci::sdk {
namespace {

namespace json = boost::json;

// The model reads at most this much of a schema report.
constexpr std::size_t kMaxReportedFindings = 8;

ToolExecution failed(ToolCall call, std::string message, std::optional<Error> error = {}) {
  ToolExecution out{.call = std::move(call), .is_error = true, .error = std::move(error)};
  json::object body;
  body["error"] = message;
  out.output = json::serialize(body);
  return out;
}

std::string tool_names(const std::vector<Tool>& tools) {
  std::string out;
  for (const auto& t : tools) out += (out.empty() ? "" : ", ") + t.name();
  return out;
}

std::string schema_problems(const json_schema::Report& report) {
  std::string out;
  std::size_t n = 0;
  for (const auto& f : report.errors) {
    if (n++ == kMaxReportedFindings) {
      out += "; ...";
      break;
    }
    out += (out.empty() ? "" : "; ") + f.to_string();
  }
  return out;
}

}  // namespace

asio::awaitable<ToolExecution> run_tool_call(const std::vector<Tool>& tools, ToolCall call) {
  const Tool* tool = nullptr;
  for (const auto& t : tools) {
    if (t.name() == call.name) tool = &t;
  }
  if (tool == nullptr) {
    std::string message = "there is no tool named \"" + call.name + "\"";
    if (!tools.empty()) message += "; the tools are: " + tool_names(tools);
    co_return failed(std::move(call), std::move(message));
  }
  json::value args = json::object();
  if (call.arguments.find_first_not_of(" \t\r\n") != std::string::npos) {
    boost::system::error_code ec;
    args = json::parse(call.arguments, ec);
    if (ec) {
      co_return failed(std::move(call), "the arguments of " + call.name + " are not valid JSON (" +
                                            ec.message() + "): " + call.arguments);
    }
  }
  const json::value& schema = tool->definition().parameters;
  if (!schema.is_null()) {
    auto report = json_schema::validate_instance(schema, args);
    if (!report.conforms()) {
      co_return failed(std::move(call),
                       "the arguments of " + call.name +
                           " do not match its parameters schema: " + schema_problems(report));
    }
  }
  ToolOutput output = Error::internal("the tool did not run");
  try {
    output = co_await tool->run(std::move(args));
  } catch (const std::exception& e) {
    // Also a handler's await cancelled under it: the loop sees its own cancellation and stops.
    output = Error::internal(call.name + " threw: " + e.what());
  }
  if (!output) {
    Error error = output.error();
    std::string message = error.message;
    co_return failed(std::move(call), std::move(message), std::move(error));
  }
  ToolExecution out{.call = std::move(call)};
  out.output = output->is_string() ? std::string(output->get_string()) : json::serialize(*output);
  co_return out;
}

asio::awaitable<std::vector<ToolExecution>> run_tool_calls(const std::vector<Tool>& tools,
                                                           const std::vector<ToolCall>& calls) {
  std::vector<ToolExecution> results;
  if (calls.size() == 1) {
    results.push_back(co_await run_tool_call(tools, calls.front()));
    co_return results;
  }
  auto executor = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(executor, run_tool_call(tools, ToolCall{}), asio::deferred));
  std::vector<Op> ops;
  ops.reserve(calls.size());
  for (const auto& call : calls) {
    ops.push_back(asio::co_spawn(executor, run_tool_call(tools, call), asio::deferred));
  }
  // Every call completes (wait_for_all); a cancellation of this coroutine reaches each of them.
  auto [order, exceptions, executions] =
      co_await asio::experimental::make_parallel_group(std::move(ops))
          .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  results.reserve(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (exceptions[i]) {
      results.push_back(failed(calls[i], calls[i].name + " did not complete"));
    } else {
      results.push_back(std::move(executions[i]));
    }
  }
  co_return results;
}

}  // namespace roci::sdk
