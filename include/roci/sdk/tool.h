// clang-format off
// Tool: a function the model may call, with the code that runs it; generate_text runs the loop
// (roci/sdk/generate.h).
//
//   roci::Tool add("add", "Adds two integers.",
//                  boost::json::parse(R"({"type":"object","required":["a","b"],
//                      "properties":{"a":{"type":"integer"},"b":{"type":"integer"}}})"),
//                  [](const boost::json::value& args) -> roci::ToolOutput {
//                    return args.at("a").as_int64() + args.at("b").as_int64();
//                  });
//   roci::MockProvider provider;  // or any roci::Provider, e.g. roci::LmStudioProvider
//   roci::ProviderRequest request;
//   request.messages.push_back(roci::ModelMessage::user("Please add 2 and 3."));
//   auto run = roci::generate_text(provider, request, roci::GenerateOptions{.tools = {add}});
//   if (run) std::cout << run->text << " (" << run->steps.size() << " steps)\n";
//
// The handler takes the parsed arguments (a boost::json::value that already conforms to
// `parameters`: the loop validates them first) and returns the result as a roci::ToolOutput
// (= Result<boost::json::value>), a Result<std::string>, a boost::json::value or a std::string, or
// an asio::awaitable of one of them. A JSON string is sent to the model as its text; any other
// value as its JSON. An Error (or an exception the handler throws) is not a failure of the loop:
// its message goes back to the model as the tool's result, {"error": "<message>"}, so the model
// can recover. Awaitable handlers run on the loop's executor, several at once when the model asks
// for several; a sync handler blocks that thread while it runs (keep it short, or make it
// awaitable). The Tool must outlive the loop that runs it (GenerateOptions holds it by value).
// (tests/unit/sdk/header_examples_test.cc runs the example above as written.)
// clang-format on
#pragma once

#include <roci/asio_settings.h>
#include <roci/export.h>

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <concepts>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

namespace roci {

namespace asio = boost::asio;

// What a tool gives back to the model: a JSON value, or an error the model reads.
using ToolOutput = Result<boost::json::value>;

namespace detail {

template <class T>
struct is_awaitable : std::false_type {};
template <class T>
struct is_awaitable<asio::awaitable<T>> : std::true_type {
  using value_type = T;
};

inline ToolOutput to_tool_output(ToolOutput v) { return v; }
inline ToolOutput to_tool_output(const Result<std::string>& v) {
  if (!v) return v.error();
  return boost::json::value(*v);
}
inline ToolOutput to_tool_output(boost::json::value v) { return v; }
inline ToolOutput to_tool_output(std::string v) { return boost::json::value(std::move(v)); }

template <class R>
concept ToolResultType = requires(R r) {
  { to_tool_output(std::move(r)) } -> std::same_as<ToolOutput>;
};

}  // namespace detail

class ROCI_EXPORT Tool {
 public:
  // The type-erased handler: parsed arguments in, output out, on the loop's executor.
  using Handler = std::function<asio::awaitable<ToolOutput>(boost::json::value arguments)>;

  // `parameters`: the JSON Schema of the arguments (an object schema; null: no arguments).
  // `handler`: callable with a `const boost::json::value&` (see above for what it may return).
  template <class F>
  requires std::invocable<F&, const boost::json::value&> Tool(std::string name,
                                                              std::string description,
                                                              boost::json::value parameters,
                                                              F handler)
      : definition_{std::move(name), std::move(description), std::move(parameters), {}},
        handler_(adapt(std::move(handler))) {}

  const ToolDefinition& definition() const { return definition_; }
  const std::string& name() const { return definition_.name; }
  ToolDefinition& definition() { return definition_; }  // e.g. to set `strict`

  // Runs the handler. Exceptions it throws propagate (the tool loop turns them into a result).
  asio::awaitable<ToolOutput> run(boost::json::value arguments) const {
    return handler_(std::move(arguments));
  }

 private:
  template <class F>
  static Handler adapt(F handler) {
    using R = std::invoke_result_t<F&, const boost::json::value&>;
    if constexpr (detail::is_awaitable<R>::value) {
      static_assert(detail::ToolResultType<typename detail::is_awaitable<R>::value_type>,
                    "a tool handler's awaitable must yield ToolOutput, Result<std::string>, "
                    "boost::json::value or std::string");
      return [h = std::move(handler)](boost::json::value args) -> asio::awaitable<ToolOutput> {
        // `args` lives in this frame for the whole await, so handlers may take it by reference.
        co_return detail::to_tool_output(co_await h(args));
      };
    } else {
      static_assert(detail::ToolResultType<R>,
                    "a tool handler must return ToolOutput, Result<std::string>, "
                    "boost::json::value or std::string (or an awaitable of one)");
      return [h = std::move(handler)](boost::json::value args) -> asio::awaitable<ToolOutput> {
        co_return detail::to_tool_output(h(args));
      };
    }
  }

  ToolDefinition definition_;
  Handler handler_;
};

}  // namespace roci
