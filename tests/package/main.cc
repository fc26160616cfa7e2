// Installed-package smoke test: include <roci/roci.h>, link roci::roci (static or libroci.so), and
// use the SDK across the library boundary with the mock: a generation, a streamed tool loop whose
// handler is this program's code, and the coroutine API on this program's own io_context.
#include <roci/roci.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <iostream>
#include <string>

namespace {

int fail(const std::string& what) {
  std::cerr << "Error: " << what << "\n";
  return 1;
}

}  // namespace

int main() {
  roci::MockProvider provider;
  auto result = roci::generate_text(provider, {roci::ModelMessage::user("Hello, how are you?")},
                                    roci::GenerationSettings{}, {});
  if (!result) return fail(result.error().message);
  if (result->text.empty()) return fail("an empty answer");

  roci::Tool weather(
      "get_weather", "The weather in a city.",
      boost::json::parse(R"({"type":"object","required":["city"],
                                            "properties":{"city":{"type":"string"}}})"),
      [](const boost::json::value& args) -> roci::ToolOutput {
        return boost::json::value("sunny in " + std::string(args.at("city").as_string()));
      });
  roci::ProviderRequest request;
  request.messages.push_back(roci::ModelMessage::user("What is the weather in Paris?"));
  auto stream = roci::stream_text(provider, request, roci::GenerateOptions{.tools = {weather}});
  if (!stream) return fail(stream.error().message);
  auto loop = stream->result();
  if (!loop) return fail(loop.error().message);
  if (loop->steps.size() != 2)
    return fail("the tool loop took " + std::to_string(loop->steps.size()) + " steps");

  boost::asio::io_context io;
  auto async = boost::asio::co_spawn(
      io, roci::generate_text_async(provider, request, roci::GenerateOptions{.tools = {weather}}),
      boost::asio::use_future);
  io.run();
  auto awaited = async.get();
  if (!awaited) return fail(awaited.error().message);
  if (awaited->text != loop->text)
    return fail("the coroutine loop answered \"" + awaited->text + "\"");

  std::cout << result->text << " | " << loop->text << "\n";
  return 0;
}
