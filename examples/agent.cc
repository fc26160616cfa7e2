// An agent with two tools, a calculator and a file reader, run by generate_text's tool loop.
//
//   ./agent                                   # LM Studio at http://localhost:1234, loaded model
//   ./agent http://10.0.0.5:1234 "What is 2^10 - 24? Then summarise notes.txt."
//   ./agent mock                              # the mock, with a scripted plan: runs to the end
//
// read_file reads files under the current directory only (relative paths, no "..", 64 KiB).
#include <roci/roci.h>

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

namespace {

namespace json = boost::json;

// expression := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
// factor := number | '(' expression ')' | '-' factor | factor '^' factor
class Calculator {
 public:
  explicit Calculator(std::string_view text) : s_(text) {}
  roci::Result<double> run() {
    double v = expression();
    skip();
    if (!error_.empty()) return roci::Error::invalid_request(error_);
    if (pos_ != s_.size())
      return roci::Error::invalid_request("unexpected '" + std::string(1, s_[pos_]) + "'");
    return v;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  double expression() {
    double v = term();
    while (error_.empty()) {
      if (eat('+'))
        v += term();
      else if (eat('-'))
        v -= term();
      else
        break;
    }
    return v;
  }
  double term() {
    double v = power();
    while (error_.empty()) {
      if (eat('*'))
        v *= power();
      else if (eat('/'))
        v /= power();
      else
        break;
    }
    return v;
  }
  double power() {
    double v = factor();
    return eat('^') ? std::pow(v, power()) : v;
  }
  double factor() {
    if (eat('-')) return -factor();
    if (eat('(')) {
      double v = expression();
      if (!eat(')')) error_ = "missing ')'";
      return v;
    }
    skip();
    std::size_t used = 0;
    try {
      double v = std::stod(std::string(s_.substr(pos_)), &used);
      pos_ += used;
      return v;
    } catch (const std::exception&) {
      error_ = "expected a number at position " + std::to_string(pos_);
      return 0;
    }
  }
  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

roci::Tool calculator() {
  return roci::Tool("calculator",
                    "Evaluates an arithmetic expression with + - * / ^ and parentheses.",
                    json::parse(R"({"type":"object","required":["expression"],
                      "properties":{"expression":{"type":"string","minLength":1}}})"),
                    [](const json::value& args) -> roci::ToolOutput {
                      auto v = Calculator(args.at("expression").as_string()).run();
                      if (!v) return v.error();
                      if (std::floor(*v) == *v && std::fabs(*v) < 1e15) {
                        return json::value(static_cast<std::int64_t>(*v));  // 391, not 3.91E2
                      }
                      return json::value(*v);
                    });
}

roci::Tool file_reader(std::filesystem::path root) {
  return roci::Tool(
      "read_file", "Reads a text file of the working directory.",
      json::parse(R"({"type":"object","required":["path"],
                      "properties":{"path":{"type":"string","minLength":1}}})"),
      [root](const json::value& args) -> roci::Result<std::string> {
        const std::filesystem::path path(std::string(args.at("path").as_string()));
        if (path.is_absolute() || path.lexically_normal().string().starts_with("..")) {
          return roci::Error::invalid_request("only relative paths inside the working directory");
        }
        std::ifstream in(root / path);
        if (!in) return roci::Error::invalid_request("cannot open " + path.string());
        std::string text(64 * 1024, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
        return text;
      });
}

}  // namespace

int main(int argc, char** argv) {
  const std::string where = argc > 1 ? argv[1] : "http://localhost:1234";
  const bool mock = where == "mock";
  std::filesystem::path root = std::filesystem::current_path();
  roci::ProviderRequest request;
  request.messages.push_back(
      roci::ModelMessage::system("You are a careful assistant. Use the calculator for arithmetic "
                                 "and read_file to read files."));
  request.messages.push_back(roci::ModelMessage::user(
      argc > 2 ? argv[2] : "What is 17 * 23 + 4? Then tell me what notes.txt says."));

  std::unique_ptr<roci::Provider> provider;
  if (mock) {
    provider = std::make_unique<roci::MockProvider>();
    root = std::filesystem::temp_directory_path() / "roci-agent-example";
    std::filesystem::create_directories(root);
    std::ofstream(root / "notes.txt") << "Buy milk; call Ada at 5.";
    // The mock's plan: both tools at once, then the calculator again, then the answer.
    request.settings.extra["mock"] = json::parse(R"({"steps":[
        {"tool_call":[{"name":"calculator","arguments":"{\"expression\":\"17 * 23\"}"},
                      {"name":"read_file","arguments":"{\"path\":\"notes.txt\"}"}]},
        {"tool_call":{"name":"calculator","arguments":"{\"expression\":\"391 + 4\"}"}}]})");
  } else {
    provider =
        std::make_unique<roci::LmStudioProvider>(roci::LmStudioModel::custom("local-model"), where);
  }

  auto run = roci::generate_text(
      *provider, request,
      roci::GenerateOptions{.tools = {calculator(), file_reader(root)}, .max_steps = 8});
  if (!run) {
    std::cerr << "Error: " << run.error().message << "\n";
    return 1;
  }
  for (std::size_t i = 0; i < run->steps.size(); ++i) {
    for (const auto& done : run->steps[i].tool_results) {
      std::cout << "step " << i + 1 << ": " << done.call.name << "(" << done.call.arguments
                << ") -> " << done.output << (done.is_error ? " [error]" : "") << "\n";
    }
  }
  std::cout << run->text << "\n"
            << run->steps.size() << " steps, " << run->usage.total_tokens << " tokens, model "
            << run->model << "\n";
  if (run->step_limit_reached) {
    std::cerr << "Error: the model still wanted tools after " << run->steps.size() << " steps\n";
    return 1;
  }
  return 0;
}
