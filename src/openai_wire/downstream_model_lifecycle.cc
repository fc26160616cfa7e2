// POST /v1/models/{id}/load and /unload: the optional request body and the answer.
#include "openai_wire/downstream_codec.h"
#include "openai_wire/downstream_fields.h"
#include "openai_wire/json_writer.h"

namespace roci::openai_wire {

using namespace json_literals;  // NOLINT(google-build-using-namespace): "key"_js

Result<ModelLifecycleRequest> parse_model_lifecycle_request(std::string_view body,
                                                            const RequestLimits& limits) {
  ModelLifecycleRequest out;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;  // no body
  auto root = detail::parse_body_object(body, limits);
  if (!root) return root.error();
  for (const auto& kv : *root) {
    if (kv.key() == "backend") {
      if (kv.value().is_null()) continue;
      auto name = detail::string_field(kv.value(), "backend");
      if (!name) return name.error();
      out.backend = std::string(*name);
    } else {
      return Error::invalid_request(
          "Unknown field \"" + std::string(kv.key()) + "\": the body may only name a \"backend\"",
          std::string(kv.key()));
    }
  }
  return out;
}

std::string encode_model_lifecycle_result(const ModelLoadResult& result, bool load) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("id"_js).string(result.model);
  w.key("object"_js).string(load ? "model.load"_js : "model.unload"_js);
  w.key("status"_js).string(load ? "loaded"_js : "unloaded"_js);
  w.key("already"_js).boolean(result.already);
  if (!result.backend.empty()) w.key("backend"_js).string(result.backend);
  if (!result.instance_id.empty()) w.key("instance_id"_js).string(result.instance_id);
  w.key("duration_ms"_js).integer(result.duration.count());
  w.end_object();
  return out;
}

}  // namespace roci::openai_wire
