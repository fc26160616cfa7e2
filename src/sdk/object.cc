// generate_object (roci/sdk/object.h): ask for JSON by capability, parse, validate, repair once.
#include <roci/sdk/object.h>

#include <roci/core/json_schema.h>

#include "providers/sync_runtime.h"
#include "sdk/request_guard.h"

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace roci {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxReportedFindings = 8;

// How the schema is asked for, by what the model can do.
void ask_for_json(ProviderRequest& request, const Capabilities& caps, const json::value& schema,
                  const std::string& name) {
  if (caps.json_schema) {
    request.response_format = ResponseFormat::json_schema(name, schema);
    return;
  }
  if (caps.json_mode) request.response_format = ResponseFormat::json_object();
  std::string instruction =
      "Answer with one JSON value that conforms to this JSON Schema, and nothing else: " +
      json::serialize(schema);
  auto& messages = request.messages;
  if (!messages.empty() && messages.front().role == Role::kSystem &&
      messages.front().parts.empty()) {
    messages.front().content += "\n\n" + instruction;
  } else {
    messages.insert(messages.begin(), ModelMessage::system(std::move(instruction)));
  }
}

// The JSON inside `text`: surrounding whitespace and one ```json fence are tolerated.
std::string_view json_text(std::string_view text) {
  auto trim = [](std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return std::string_view();
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
  };
  text = trim(text);
  if (text.starts_with("```") && text.size() >= 6 && text.ends_with("```")) {
    text.remove_suffix(3);
    text.remove_prefix(text.find('\n') == std::string_view::npos ? 3 : text.find('\n') + 1);
    text = trim(text);
  }
  return text;
}

Error output_error(std::string code, std::string message, const std::string& text) {
  Error e = Error::upstream(std::move(message));
  e.code = std::move(code);
  e.model_output = text;
  return e;
}

// The validated value of one answer, or the typed error about it.
Result<json::value> read_answer(const GenerationResult& answer, const json::value& schema) {
  boost::system::error_code ec;
  json::value value = json::parse(json_text(answer.text), ec);
  if (ec) {
    if (answer.finish_reason == FinishReason::kLength) {
      return output_error("output_truncated",
                          "the model's answer was cut off at max_tokens (finish_reason length) "
                          "before its JSON was complete; raise max_tokens. The answer: " +
                              answer.text,
                          answer.text);
    }
    return output_error(
        "invalid_json",
        "the model's answer is not valid JSON (" + ec.message() + "). The answer: " + answer.text,
        answer.text);
  }
  auto report = json_schema::validate_instance(schema, value);
  if (!report.conforms()) {
    std::string problems;
    std::size_t n = 0;
    for (const auto& f : report.errors) {
      if (n++ == kMaxReportedFindings) {
        problems += "; ...";
        break;
      }
      problems += (problems.empty() ? "" : "; ") + f.to_string();
    }
    return output_error(
        "schema_mismatch",
        "the model's JSON does not match the schema: " + problems + ". The answer: " + answer.text,
        answer.text);
  }
  return value;
}

void add_usage(Usage& total, const std::optional<Usage>& step) {
  if (!step) return;
  total.prompt_tokens += step->prompt_tokens;
  total.completion_tokens += step->completion_tokens;
  total.total_tokens += step->total_tokens;
}

}  // namespace

asio::awaitable<Result<ObjectResult<json::value>>> generate_object_async(Provider& provider,
                                                                         ProviderRequest request,
                                                                         json::value schema,
                                                                         ObjectOptions options) {
  co_await asio::this_coro::throw_if_cancelled(false);
  if (auto invalid = sdk::check_request(request)) co_return *invalid;
  ask_for_json(request, provider.capabilities(request.model), schema, options.schema_name);
  ObjectResult<json::value> out;
  const int calls = options.repair ? 2 : 1;
  for (out.attempts = 1;; ++out.attempts) {
    auto answer = co_await provider.generate(request);
    if (!answer) co_return answer.error();
    if (auto mismatch = co_await sdk::check_served_model(provider, request.model, answer->model,
                                                         options.accept_model_substitution)) {
      co_return *mismatch;
    }
    add_usage(out.usage, answer->usage);
    auto value = read_answer(*answer, schema);
    if (value) {
      out.object = std::move(*value);
      out.response = std::move(*answer);
      co_return out;
    }
    if (out.attempts >= calls || value.error().code == "output_truncated") {
      co_return value.error();
    }
    // The repair round: the model sees its answer and what is wrong with it.
    request.messages.push_back(ModelMessage::assistant(answer->text));
    std::string problem =
        value.error().message.substr(0, value.error().message.find(". The answer: "));
    request.messages.push_back(ModelMessage::user(
        "That answer is not usable: " + problem +
        ". Answer again with only the corrected JSON, conforming to the schema."));
  }
}

Result<ObjectResult<json::value>> generate_object(Provider& provider, ProviderRequest request,
                                                  json::value schema, ObjectOptions options) {
  try {
    return run_sync(
        generate_object_async(provider, std::move(request), std::move(schema), std::move(options)));
  } catch (const std::exception& e) {
    return Error::internal(std::string("generate_object failed: ") + e.what());
  }
}

}  // namespace roci
