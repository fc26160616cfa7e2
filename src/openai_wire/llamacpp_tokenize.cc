// llama-server's /apply-template and /tokenize bodies (upstream_codec.h): exact prompt token
// counts.

#include "openai_wire/error_envelopes.h"
#include "openai_wire/json_util.h"
#include "openai_wire/json_writer.h"
#include "openai_wire/upstream_codec.h"

namespace roci::openai_wire {
namespace {

Result<boost::json::object> parse_object(std::string_view body, std::string_view what,
                                         std::string_view upstream) {
  auto parsed = detail::parse_upstream_json(body, what, upstream);
  if (!parsed) return parsed.error();
  if (auto err = detail::error_from_json(200, *parsed, upstream)) return *err;
  if (!parsed->is_object()) {
    return Error::upstream("malformed " + std::string(what) + " from " + std::string(upstream) +
                           ": expected a JSON object");
  }
  return std::move(parsed->get_object());
}

}  // namespace

Result<std::string> decode_applied_template(std::string_view body, std::string_view upstream) {
  constexpr std::string_view kWhat = "/apply-template answer";
  auto root = parse_object(body, kWhat, upstream);
  if (!root) return root.error();
  auto prompt = detail::get_string(*root, "prompt");
  if (!prompt) {
    return Error::upstream("malformed " + std::string(kWhat) + " from " + std::string(upstream) +
                           ": no \"prompt\" string");
  }
  return std::string(*prompt);
}

std::string encode_tokenize_request(std::string_view content) {
  std::string out;
  out.reserve(content.size() + 64);
  JsonWriter w(out);
  w.begin_object();
  w.key("content"_js).string(content);
  w.key("add_special"_js).boolean(false);
  w.key("parse_special"_js).boolean(true);
  w.end_object();
  return out;
}

Result<int> decode_token_count(std::string_view body, std::string_view upstream) {
  constexpr std::string_view kWhat = "/tokenize answer";
  auto root = parse_object(body, kWhat, upstream);
  if (!root) return root.error();
  const auto* tokens = detail::find_array(*root, "tokens");
  if (!tokens) {
    return Error::upstream("malformed " + std::string(kWhat) + " from " + std::string(upstream) +
                           ": no \"tokens\" array");
  }
  return static_cast<int>(tokens->size());
}

}  // namespace roci::openai_wire
