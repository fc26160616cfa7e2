// classify_upstream_error / detect_error_body: every upstream error shape -> one roci::Error.
//
// Envelopes understood (LMSTUDIO_API.md §7, §10):
//   LM Studio (a) OpenAI object   {"error":{"message","type","param","code"}}
//   LM Studio (b) flat string     {"error":"..."}
//   LM Studio (c) v1 object       {"error":{"type","message","code?","param?"}}
//   llama.cpp                     {"error":{"code":<int>,"message","type"}}
//   OpenAI                        {"error":{"message","type","param","code"}}
//   anything else                 a snippet of the body (at most 200 bytes) is quoted.
#include <algorithm>
#include <cctype>

#include "openai_wire/error_envelopes.h"
#include "openai_wire/json_util.h"
#include "openai_wire/upstream_codec.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;

struct ErrorFields {
  std::string message;
  std::string type;
  std::string code;
  std::string param;
};

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

// The fields of a body whose top-level `error` is a string or an object.
std::optional<ErrorFields> extract_fields(const json::value& body) {
  const auto* obj = body.if_object();
  if (!obj) return std::nullopt;
  const auto* err = detail::find(*obj, "error");
  if (!err) return std::nullopt;
  ErrorFields f;
  if (err->is_string()) {
    f.message = err->get_string();
  } else if (const auto* e = err->if_object()) {
    if (auto m = detail::get_string(*e, "message")) f.message = *m;
    if (auto t = detail::get_string(*e, "type")) f.type = *t;
    if (auto c = detail::get_string(*e, "code")) f.code = *c;  // llama.cpp's integer code = status
    if (auto p = detail::get_string(*e, "param")) f.param = *p;
    if (f.message.empty()) {
      if (auto m = detail::get_string(*obj, "message")) f.message = *m;
    }
    if (f.message.empty()) f.message = detail::snippet(detail::to_json(*err));
  } else {
    return std::nullopt;
  }
  return f;
}

// LM Studio lists the models it has after "Your models:", one per line.
std::vector<std::string> parse_available_models(std::string_view message) {
  std::vector<std::string> models;
  const auto at = message.find("Your models:");
  if (at == std::string_view::npos) return models;
  std::string_view rest = message.substr(at + std::string_view("Your models:").size());
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    const auto b = line.find_first_not_of(" \t\r-*");
    if (b == std::string_view::npos) continue;
    line = line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
    models.emplace_back(line);
  }
  return models;
}

// The message without LM Studio's "\n\nYour models:\n..." tail (it goes to available_models).
std::string_view headline(std::string_view message) {
  const auto at = message.find("Your models:");
  if (at != std::string_view::npos) message = message.substr(0, at);
  const auto last = message.find_last_not_of(" \t\r\n");
  return last == std::string_view::npos ? std::string_view() : message.substr(0, last + 1);
}

bool is_unknown_route(const ErrorFields& f) {
  return contains(f.message, "Unexpected endpoint or method") ||  // LM Studio (HTTP 200!)
         f.type == "not_found_error" ||                           // llama.cpp "File Not Found"
         f.message.starts_with("Invalid URL");                    // OpenAI
}

bool is_model_missing(const ErrorFields& f) {
  const std::string_view m = f.message;
  return f.code == "model_not_found" || f.type == "model_not_found" ||
         m.starts_with("No models loaded") ||
         (m.starts_with("Model \"") && contains(m, "\" not found")) ||
         (contains_ci(m, "model") && contains(m, "does not exist"));
}

bool is_context_overflow(const ErrorFields& f) {
  const std::string_view m = f.message;
  return f.type == "exceed_context_size_error" || f.code == "context_length_exceeded" ||
         contains(m, "greater than the context length") ||     // LM Studio 0.3.2x+
         contains(m, "context the overflows") ||               // LM Studio 0.3.x
         contains(m, "exceeds the available context size") ||  // llama.cpp
         contains_ci(m, "context size has been exceeded") ||   // MLX engine
         contains(m, "maximum context length");                // OpenAI
}

std::string infer_param(const ErrorFields& f) {
  if (!f.param.empty()) return f.param;
  if (contains(f.message, "response_format")) return "response_format";
  if (contains(f.message, "'messages'")) return "messages";
  return {};
}

Error classify(int status, ErrorFields f, std::string_view upstream) {
  std::string prefix(upstream);
  prefix += " returned " + std::to_string(status);
  if (status >= 200 && status < 300) prefix += " with an error body";
  prefix += ": ";
  if (f.message.empty()) f.message = "(empty body)";

  Error e;
  if (is_unknown_route(f)) {
    // The gateway asked for a path the upstream does not serve: a roci configuration problem
    // (base_url, API version), not the client's. LM Studio even says 200; never a completion.
    e = Error::upstream(prefix + f.message +
                        " (the upstream does not serve this endpoint; check "
                        "the configured base URL)");
    e.code = "upstream_endpoint_not_found";
  } else if (is_model_missing(f)) {
    e = Error::model_not_found(prefix + std::string(headline(f.message)),
                               parse_available_models(f.message));
  } else if (contains(f.message, "Failed to load model")) {
    e = Error::upstream(prefix + f.message);  // JIT load failure: not the client's request
    e.code = "model_load_failed";
  } else if (is_context_overflow(f)) {
    e = Error::invalid_request(prefix + f.message, f.param.empty() ? "messages" : f.param);
    e.code = "context_length_exceeded";
  } else if (status == 400 || status == 413 || status == 422) {
    e = Error::invalid_request(prefix + f.message, infer_param(f));
    e.code = f.code;
  } else if (status == 401 || status == 403) {
    // The upstream rejected roci's own credentials: the operator must fix them.
    e = Error::upstream(prefix + f.message + " (check the API key configured for " +
                        std::string(upstream) + ")");
    e.code = "upstream_authentication_failed";
  } else if (status == 408) {
    e = Error::timeout(prefix + f.message, "upstream_timeout");
  } else if (status == 429) {
    e = Error{.kind = ErrorKind::kRateLimited, .message = prefix + f.message};
    e.code = f.code.empty() ? "rate_limit_exceeded" : f.code;
  } else {
    // 5xx, a 2xx with an error body, and statuses with no better meaning.
    e = Error::upstream(prefix + f.message);
    e.code = f.code;
  }
  e.upstream_status = status;
  return e;
}

}  // namespace

namespace detail {

std::optional<Error> error_from_json(int status, const json::value& body,
                                     std::string_view upstream) {
  auto fields = extract_fields(body);
  if (!fields) return std::nullopt;
  return classify(status, std::move(*fields), upstream);
}

std::optional<Error> stream_error_from_json(const json::value& body, std::string_view upstream) {
  auto fields = extract_fields(body);
  if (!fields) return std::nullopt;
  Error e = Error::upstream(std::string(upstream) + " reported an error mid-stream: " +
                            (fields->message.empty() ? "(no message)" : fields->message));
  e.code = fields->code;
  return e;
}

}  // namespace detail

Error classify_upstream_error(int status, std::string_view body, std::string_view upstream) {
  ErrorFields fields;
  if (auto v = detail::try_parse_json(body)) {
    if (auto f = extract_fields(*v)) {
      fields = std::move(*f);
    } else if (const auto* obj = v->if_object()) {
      // Other JSON: {"message": ...} or FastAPI's {"detail": ...}.
      if (auto m = detail::get_string(*obj, "message")) {
        fields.message = *m;
      } else if (auto d = detail::get_string(*obj, "detail")) {
        fields.message = *d;
      }
    }
  }
  if (fields.message.empty()) fields.message = detail::snippet(body);
  return classify(status, std::move(fields), upstream);
}

std::optional<Error> detect_error_body(int status, std::string_view body,
                                       std::string_view upstream) {
  // Cheap pre-check: bodies without an "error" key (every normal completion) skip the parse.
  if (body.find("\"error\"") == std::string_view::npos) return std::nullopt;
  auto v = detail::try_parse_json(body);
  if (!v) return std::nullopt;
  return detail::error_from_json(status, *v, upstream);
}

}  // namespace roci::openai_wire
