// JSON for faults and records, and the /__control/* endpoints (FakeOptions::control).
//
//   POST /__control/script     a Fault object, or an array of them   -> {"queued":N}
//   POST /__control/clear_script                                     -> {"ok":true}
//   GET  /__control/requests   -> {"requests":[record...],"connections_accepted":N,
//                                  "open_connections":N,"cancellations":N}
//   POST /__control/reset      forget faults, records, counters      -> {"ok":true}
//   POST /__control/models     {"models":[{"id","type","loaded",...}]} -> {"ok":true}
//   GET  /__control/stats      -> {"loads":N,"in_flight":N,"peak_in_flight":N}  (model loads
//                                 started on this host; generation requests now and at most)
//
// Fault keys (all optional): method, path, times, kind ("none" | "respond" | "malformed_json" |
// "oversized" | "close_without_response" | "hang"), status, body (string, or JSON serialised),
// content_type, oversized_bytes, header_delay_ms, first_chunk_delay_ms, token_delay_ms,
// gap_after_chunks, gap_ms, cut_after_chunks, reset, malformed_sse_after_chunks, malformed_sse,
// error_event_after_chunks, error_event, answer, reasoning, reasoning_field,
// tool_calls [{name, arguments (string or JSON)}], finish_reason, model. Unknown keys are errors.
#include <boost/json/serialize.hpp>

#include "support/fake_internal.h"

namespace roci::testing {
namespace json = boost::json;
namespace {

constexpr std::pair<Fault::Kind, std::string_view> kKinds[] = {
    {Fault::Kind::kNone, "none"},
    {Fault::Kind::kRespond, "respond"},
    {Fault::Kind::kMalformedJson, "malformed_json"},
    {Fault::Kind::kOversized, "oversized"},
    {Fault::Kind::kCloseWithoutResponse, "close_without_response"},
    {Fault::Kind::kHang, "hang"},
};

std::string text_or_json(const json::value& value) {
  return value.is_string() ? std::string(value.get_string()) : json::serialize(value);
}

struct Reader {
  const json::object& object;
  std::string error;

  template <class T>
  bool number(std::string_view key, T& out) {
    const auto* value = object.if_contains(key);
    if (!value || !error.empty()) return value != nullptr;
    if (value->is_int64()) {
      out = static_cast<T>(value->get_int64());
    } else if (value->is_uint64()) {
      out = static_cast<T>(value->get_uint64());
    } else {
      error = std::string(key) + " must be an integer";
    }
    return true;
  }
  void ms(std::string_view key, std::chrono::milliseconds& out) {
    long long n = 0;
    if (number(key, n) && error.empty()) out = std::chrono::milliseconds(n);
  }
  void opt_int(std::string_view key, std::optional<int>& out) {
    int n = 0;
    if (number(key, n) && error.empty()) out = n;
  }
  void string(std::string_view key, std::string& out) {
    if (const auto* value = object.if_contains(key)) out = text_or_json(*value);
  }
  void opt_string(std::string_view key, std::optional<std::string>& out) {
    if (const auto* value = object.if_contains(key)) out = text_or_json(*value);
  }
};

}  // namespace

json::value to_json(const Fault& fault) {
  json::object out{{"method", fault.method}, {"path", fault.path}, {"times", fault.times}};
  for (const auto& [kind, name] : kKinds) {
    if (kind == fault.kind) out["kind"] = name;
  }
  out["status"] = fault.status;
  out["body"] = fault.body;
  out["content_type"] = fault.content_type;
  out["oversized_bytes"] = fault.oversized_bytes;
  out["header_delay_ms"] = fault.header_delay.count();
  out["first_chunk_delay_ms"] = fault.first_chunk_delay.count();
  if (fault.token_delay) out["token_delay_ms"] = fault.token_delay->count();
  if (fault.gap_after_chunks) out["gap_after_chunks"] = *fault.gap_after_chunks;
  out["gap_ms"] = fault.gap.count();
  if (fault.cut_after_chunks) out["cut_after_chunks"] = *fault.cut_after_chunks;
  out["reset"] = fault.reset;
  if (fault.malformed_sse_after_chunks) {
    out["malformed_sse_after_chunks"] = *fault.malformed_sse_after_chunks;
  }
  out["malformed_sse"] = fault.malformed_sse;
  if (fault.error_event_after_chunks) {
    out["error_event_after_chunks"] = *fault.error_event_after_chunks;
  }
  out["error_event"] = fault.error_event;
  if (fault.answer) out["answer"] = *fault.answer;
  if (fault.reasoning) out["reasoning"] = *fault.reasoning;
  if (fault.reasoning_field) out["reasoning_field"] = *fault.reasoning_field;
  if (!fault.tool_calls.empty()) {
    json::array calls;
    for (const auto& call : fault.tool_calls) {
      calls.push_back(json::object{{"name", call.name}, {"arguments", call.arguments}});
    }
    out["tool_calls"] = std::move(calls);
  }
  if (fault.finish_reason) out["finish_reason"] = *fault.finish_reason;
  if (fault.model) out["model"] = *fault.model;
  return out;
}

std::optional<Fault> fault_from_json(const json::value& value, std::string* error) {
  static constexpr std::string_view kKeys[] = {"method",
                                               "path",
                                               "times",
                                               "kind",
                                               "status",
                                               "body",
                                               "content_type",
                                               "oversized_bytes",
                                               "header_delay_ms",
                                               "first_chunk_delay_ms",
                                               "token_delay_ms",
                                               "gap_after_chunks",
                                               "gap_ms",
                                               "cut_after_chunks",
                                               "reset",
                                               "malformed_sse_after_chunks",
                                               "malformed_sse",
                                               "error_event_after_chunks",
                                               "error_event",
                                               "answer",
                                               "reasoning",
                                               "reasoning_field",
                                               "tool_calls",
                                               "finish_reason",
                                               "model"};
  auto fail = [error](std::string message) -> std::optional<Fault> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  const auto* object = value.if_object();
  if (!object) return fail("a fault must be a JSON object");
  for (const auto& [key, unused] : *object) {
    if (std::find(std::begin(kKeys), std::end(kKeys), std::string_view(key)) == std::end(kKeys)) {
      return fail("unknown fault key: " + std::string(key));
    }
  }
  Fault fault;
  Reader read{*object, {}};
  read.string("method", fault.method);
  read.string("path", fault.path);
  read.number("times", fault.times);
  if (const auto* kind = object->if_contains("kind")) {
    bool found = false;
    for (const auto& [k, name] : kKinds) {
      if (kind->is_string() && kind->get_string() == name) {
        fault.kind = k;
        found = true;
      }
    }
    if (!found) return fail("unknown fault kind: " + text_or_json(*kind));
  }
  read.number("status", fault.status);
  read.string("body", fault.body);
  read.string("content_type", fault.content_type);
  read.number("oversized_bytes", fault.oversized_bytes);
  read.ms("header_delay_ms", fault.header_delay);
  read.ms("first_chunk_delay_ms", fault.first_chunk_delay);
  if (object->contains("token_delay_ms")) {
    std::chrono::milliseconds delay{0};
    read.ms("token_delay_ms", delay);
    fault.token_delay = delay;
  }
  read.opt_int("gap_after_chunks", fault.gap_after_chunks);
  read.ms("gap_ms", fault.gap);
  read.opt_int("cut_after_chunks", fault.cut_after_chunks);
  if (const auto* reset = object->if_contains("reset"))
    fault.reset = reset->is_bool() && reset->get_bool();
  read.opt_int("malformed_sse_after_chunks", fault.malformed_sse_after_chunks);
  read.string("malformed_sse", fault.malformed_sse);
  read.opt_int("error_event_after_chunks", fault.error_event_after_chunks);
  read.string("error_event", fault.error_event);
  read.opt_string("answer", fault.answer);
  read.opt_string("reasoning", fault.reasoning);
  read.opt_string("reasoning_field", fault.reasoning_field);
  read.opt_string("finish_reason", fault.finish_reason);
  read.opt_string("model", fault.model);
  if (const auto* calls = object->if_contains("tool_calls")) {
    if (!calls->is_array()) return fail("tool_calls must be an array");
    for (const auto& item : calls->get_array()) {
      const auto* call = item.if_object();
      if (!call) return fail("each tool call must be an object");
      FakeToolCall tool_call;
      if (const auto* name = call->if_contains("name")) tool_call.name = text_or_json(*name);
      if (const auto* args = call->if_contains("arguments"))
        tool_call.arguments = text_or_json(*args);
      fault.tool_calls.push_back(std::move(tool_call));
    }
  }
  if (!read.error.empty()) return fail(read.error);
  return fault;
}

json::value to_json(const RecordedRequest& request, std::chrono::steady_clock::time_point epoch) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  auto ms = [epoch](std::chrono::steady_clock::time_point t) {
    return static_cast<std::int64_t>(duration_cast<milliseconds>(t - epoch).count());
  };
  json::object headers;
  for (const auto& [name, value] : request.headers) headers[name] = value;
  json::object out{{"connection", request.connection},
                   {"method", request.method},
                   {"target", request.target},
                   {"path", request.path()},
                   {"headers", std::move(headers)},
                   {"body", request.body},
                   {"json", request.json ? *request.json : json::value(nullptr)},
                   {"outcome", to_string(request.outcome)},
                   {"completed", request.completed()},
                   {"cancelled", request.cancelled()},
                   {"received_ms", ms(request.received_at)}};
  if (request.outcome == RequestOutcome::kInProgress) {
    out["finished_ms"] = nullptr;
  } else {
    out["finished_ms"] = ms(request.finished_at);
  }
  return out;
}

namespace detail {
namespace {

Reply bad_request(std::string message) { return json_reply(400, {{"error", std::move(message)}}); }

std::optional<FakeModel> model_from_json(const json::value& value) {
  const auto* object = value.if_object();
  if (!object) return std::nullopt;
  FakeModel model;
  auto str = [object](std::string_view key, std::string& out) {
    if (const auto* v = object->if_contains(key); v && v->is_string()) out = v->get_string();
  };
  str("id", model.id);
  str("type", model.type);
  str("publisher", model.publisher);
  str("arch", model.arch);
  str("quantization", model.quantization);
  if (const auto* v = object->if_contains("loaded"); v && v->is_bool())
    model.loaded = v->get_bool();
  if (const auto* v = object->if_contains("max_context_length"); v && v->is_int64()) {
    model.max_context_length = static_cast<int>(v->get_int64());
  }
  if (const auto* v = object->if_contains("loaded_context_length"); v && v->is_int64()) {
    model.loaded_context_length = static_cast<int>(v->get_int64());
  }
  if (const auto* v = object->if_contains("capabilities"); v && v->is_array()) {
    for (const auto& c : v->get_array()) {
      if (c.is_string()) model.capabilities.emplace_back(c.get_string());
    }
  }
  if (model.id.empty()) return std::nullopt;
  return model;
}

}  // namespace

std::optional<Reply> handle_control(const Request& request, State& state) {
  if (!request.path.starts_with("/__control/")) return std::nullopt;
  const std::string_view name = std::string_view(request.path).substr(11);
  const bool post = request.method == "POST";
  if (post && name == "script") {
    if (!request.json) return bad_request("body must be JSON: " + request.json_error);
    std::vector<Fault> faults;
    const json::value& body = *request.json;
    const json::array single{body};
    for (const auto& item : body.is_array() ? body.get_array() : single) {
      std::string error;
      auto fault = fault_from_json(item, &error);
      if (!fault) return bad_request(error);
      faults.push_back(std::move(*fault));
    }
    for (auto& fault : faults) state.add_fault(std::move(fault));
    return json_reply(200, {{"queued", faults.size()}});
  }
  if (post && name == "clear_script") {
    state.clear_faults();
    return json_reply(200, {{"ok", true}});
  }
  if (request.method == "GET" && name == "requests") {
    json::array list;
    for (const auto& record : state.requests()) list.push_back(to_json(record, state.epoch()));
    return json_reply(200, {{"requests", std::move(list)},
                            {"connections_accepted", state.connections_accepted()},
                            {"open_connections", state.open_connections()},
                            {"cancellations", state.cancellations()}});
  }
  if (request.method == "GET" && name == "stats") {
    return json_reply(200, {{"loads", state.loads()},
                            {"in_flight", state.in_flight()},
                            {"peak_in_flight", state.peak_in_flight()}});
  }
  if (post && name == "reset") {
    state.reset();
    return json_reply(200, {{"ok", true}});
  }
  if (post && name == "models") {
    const auto* body = request.json ? request.json->if_object() : nullptr;
    const auto* models = body ? body->if_contains("models") : nullptr;
    if (!models || !models->is_array()) return bad_request("expected {\"models\":[...]}");
    std::vector<FakeModel> list;
    for (const auto& item : models->get_array()) {
      auto model = model_from_json(item);
      if (!model) return bad_request("each model needs a string \"id\"");
      list.push_back(std::move(*model));
    }
    state.set_models(std::move(list));
    return json_reply(200, {{"ok", true}});
  }
  return json_reply(
      404, {{"error", "unknown control endpoint: " + request.method + " " + request.path}});
}

}  // namespace detail
}  // namespace roci::testing
