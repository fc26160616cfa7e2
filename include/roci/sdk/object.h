// clang-format off
// generate_object: typed structured output. Asks the model for JSON that conforms to a schema,
// validates it, and returns it as a boost::json::value or as your type.
//
//   struct Person { std::string name; int age; };
//   // Boost.JSON's conversion for Person (value_to<Person> finds it by ADL):
//   Person tag_invoke(boost::json::value_to_tag<Person>, const boost::json::value& v) {
//     return {std::string(v.at("name").as_string()), static_cast<int>(v.at("age").as_int64())};
//   }
//   auto schema = boost::json::parse(R"({"type":"object","required":["name","age"],
//       "properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}}})");
//   auto person = roci::generate_object<Person>(
//       provider, {roci::ModelMessage::user("Ada Lovelace, 36, mathematician")}, schema);
//   if (person) std::cout << person->object.name << "\n";
//
// A type may describe itself instead: `static boost::json::value json_schema();` in T, then
// roci::generate_object<Person>(provider, messages) needs no schema argument.
//
// How the JSON is asked for, by provider.capabilities(model) (roci/core/capabilities.h):
// json_schema -> response_format json_schema (the server constrains the output); else json_mode ->
// response_format json_object and the schema in a system message; else the schema in a system
// message only. The answer is then parsed (whitespace and a ```json fence around it are allowed)
// and validated with roci::json_schema::validate_instance. Failures are kUpstreamError with the
// model's text in Error::model_output and a code:
//   "output_truncated"  finish_reason length: the answer was cut at max_tokens (raise it);
//   "invalid_json"      the text is not JSON;
//   "schema_mismatch"   JSON that breaks the schema (the findings are listed), or that T's
//                       conversion rejects.
// ObjectOptions::repair gives the model one more try on invalid_json / schema_mismatch: its answer
// and what is wrong with it are appended, and it is asked again.
// Requests are checked and served models verified as in generate_text (roci/sdk/generate.h).
// clang-format on
#pragma once

#include <roci/asio_settings.h>
#include <roci/export.h>

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/provider.h>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>
#include <concepts>
#include <exception>
#include <string>
#include <vector>

namespace roci {

struct ObjectOptions {
  std::string schema_name = "response";    // response_format.json_schema.name
  bool repair = false;                     // one more model call on invalid JSON or a mismatch
  bool accept_model_substitution = false;  // as GenerateOptions::accept_model_substitution
};

template <class T>
struct ObjectResult {
  T object;                   // the parsed, validated answer
  GenerationResult response;  // the last model call (its text is the JSON)
  Usage usage;                // over every call (two with a repair)
  int attempts = 1;           // model calls made
};

// A type that carries its own schema.
template <class T>
concept DescribesSchema = requires {
  { T::json_schema() } -> std::convertible_to<boost::json::value>;
};

ROCI_EXPORT asio::awaitable<Result<ObjectResult<boost::json::value>>> generate_object_async(
    Provider& provider, ProviderRequest request, boost::json::value schema,
    ObjectOptions options = {});
ROCI_EXPORT Result<ObjectResult<boost::json::value>> generate_object(Provider& provider,
                                                                     ProviderRequest request,
                                                                     boost::json::value schema,
                                                                     ObjectOptions options = {});

namespace detail {
// value_to<T> of a validated answer; a conversion that throws is "schema_mismatch".
template <class T>
Result<ObjectResult<T>> convert_object(Result<ObjectResult<boost::json::value>> json) {
  if (!json) return json.error();
  try {
    return ObjectResult<T>{boost::json::value_to<T>(json->object), std::move(json->response),
                           json->usage, json->attempts};
  } catch (const std::exception& e) {
    Error error = Error::upstream(
        "the model's JSON conforms to the schema, but converting it "
        "with boost::json::value_to failed: " +
        std::string(e.what()));
    error.code = "schema_mismatch";
    error.model_output = json->response.text;
    return error;
  }
}
}  // namespace detail

// T through boost::json::value_to<T> (your tag_invoke conversion). T = boost::json::value works.
template <class T>
Result<ObjectResult<T>> generate_object(Provider& provider, ProviderRequest request,
                                        boost::json::value schema, ObjectOptions options = {}) {
  return detail::convert_object<T>(
      generate_object(provider, std::move(request), std::move(schema), std::move(options)));
}
template <class T>
Result<ObjectResult<T>> generate_object(Provider& provider, std::vector<ModelMessage> messages,
                                        boost::json::value schema, ObjectOptions options = {}) {
  ProviderRequest request;
  request.messages = std::move(messages);
  return generate_object<T>(provider, std::move(request), std::move(schema), std::move(options));
}
template <DescribesSchema T>
Result<ObjectResult<T>> generate_object(Provider& provider, std::vector<ModelMessage> messages,
                                        ObjectOptions options = {}) {
  return generate_object<T>(provider, std::move(messages), T::json_schema(), std::move(options));
}
template <DescribesSchema T>
Result<ObjectResult<T>> generate_object(Provider& provider, ProviderRequest request,
                                        ObjectOptions options = {}) {
  return generate_object<T>(provider, std::move(request), T::json_schema(), std::move(options));
}

template <class T>
asio::awaitable<Result<ObjectResult<T>>> generate_object_async(Provider& provider,
                                                               ProviderRequest request,
                                                               boost::json::value schema,
                                                               ObjectOptions options = {}) {
  co_return detail::convert_object<T>(co_await generate_object_async(
      provider, std::move(request), std::move(schema), std::move(options)));
}

}  // namespace roci
