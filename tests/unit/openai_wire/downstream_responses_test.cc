// The Responses API codec against OpenAI's published examples (tests/support/fixtures/responses,
// from openai/openai-openapi's openapi.yaml): every request example parses, and the response
// objects and stream events the gateway writes have the keys and value kinds the spec shows, in
// the spec's event order.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "openai_wire/downstream_responses.h"
#include "test_util.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;
using testing::read_fixture;

const RequestLimits kLimits{};

ResponsesRequest parse_ok(std::string_view body) {
  auto r = parse_responses_request(body, kLimits);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? std::move(*r) : ResponsesRequest{};
}

Error parse_error(std::string_view body) {
  auto r = parse_responses_request(body, kLimits);
  EXPECT_FALSE(r) << "accepted: " << body;
  return r ? Error{} : r.error();
}

json::object echo_object(const ResponsesRequest& r) {
  return json::parse("{" + r.echo + "}").as_object();
}

struct Event {
  std::string name;  // the `event:` line
  json::object data;
};

// Splits complete SSE events ("event: x\ndata: {...}\n\n"); a line of "..." is skipped.
std::vector<Event> events_of(std::string_view text) {
  std::vector<Event> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find("\n\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view block = text.substr(pos, end - pos);
    pos = end + 2;
    Event e;
    std::size_t line_start = 0;
    while (line_start < block.size()) {
      std::size_t line_end = block.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = block.size();
      std::string_view line = block.substr(line_start, line_end - line_start);
      if (line.starts_with("event: ")) e.name = line.substr(7);
      if (line.starts_with("data: ")) e.data = json::parse(line.substr(6)).as_object();
      line_start = line_end + 1;
    }
    if (!e.name.empty()) out.push_back(std::move(e));
  }
  return out;
}

// `ours` has every key of `spec`, each with the same kind of value (null allowed where we do not
// know a value the spec shows, e.g. the temperature the upstream defaulted); objects recursively,
// arrays by their first element.
void expect_shape(const json::value& spec, const json::value& ours, const std::string& path) {
  if (ours.is_null() && !spec.is_null()) {
    static const std::vector<std::string> kMayBeNull{".temperature", ".top_p", ".completed_at",
                                                     ".usage"};
    bool allowed = false;
    for (const auto& suffix : kMayBeNull) allowed = allowed || path.ends_with(suffix);
    EXPECT_TRUE(allowed) << path << " is null, the spec shows " << json::serialize(spec);
    return;
  }
  if (spec.is_null()) return;  // a value the spec leaves null may be anything (error, details)
  if (spec.is_number()) {
    EXPECT_TRUE(ours.is_number()) << path << ": " << json::serialize(ours);
    return;
  }
  ASSERT_EQ(spec.kind(), ours.kind())
      << path << ": spec " << json::serialize(spec) << ", ours " << json::serialize(ours);
  if (spec.is_object()) {
    for (const auto& kv : spec.get_object()) {
      const std::string child = path + "." + std::string(kv.key());
      const auto* v = ours.get_object().if_contains(kv.key());
      EXPECT_TRUE(v) << child << " is missing";
      if (v && path.find(".parameters") == std::string::npos) expect_shape(kv.value(), *v, child);
    }
  } else if (spec.is_array() && !spec.get_array().empty() && !ours.get_array().empty()) {
    expect_shape(spec.get_array()[0], ours.get_array()[0], path + "[0]");
  }
}

GenerationResult answer(std::string text, Usage usage = {36, 87, 123}) {
  GenerationResult r;
  r.text = std::move(text);
  r.usage = usage;
  return r;
}

// --- parsing the spec's request examples ---

TEST(ResponsesParse, TextInputExample) {
  auto r = parse_ok(read_fixture("responses/text_input.request.json"));
  EXPECT_EQ(r.request.model, "gpt-5.4");
  ASSERT_EQ(r.request.messages.size(), 1u);
  EXPECT_EQ(r.request.messages[0].role, Role::kUser);
  EXPECT_EQ(r.request.messages[0].content,
            "Tell me a three sentence bedtime story about a unicorn.");
  EXPECT_FALSE(r.stream);
  EXPECT_TRUE(r.store);                         // OpenAI's default
  EXPECT_FALSE(r.request.settings.max_tokens);  // no seed defaults here: the upstream's own
  EXPECT_FALSE(r.request.settings.temperature);
}

TEST(ResponsesParse, ImageInputExample) {
  auto r = parse_ok(read_fixture("responses/image_input.request.json"));
  ASSERT_EQ(r.request.messages.size(), 1u);
  const auto& parts = r.request.messages[0].parts;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].type, ContentPartType::kText);
  EXPECT_EQ(parts[0].text, "what is in this image?");
  EXPECT_EQ(parts[1].type, ContentPartType::kImageUrl);
  EXPECT_TRUE(parts[1].image_url.starts_with("https://upload.wikimedia.org/"));
}

TEST(ResponsesParse, FunctionsExample) {
  auto r = parse_ok(read_fixture("responses/functions.request.json"));
  ASSERT_TRUE(r.request.tools);
  ASSERT_EQ(r.request.tools->size(), 1u);
  EXPECT_EQ(r.request.tools->at(0).name, "get_current_weather");
  EXPECT_EQ(r.request.tools->at(0).parameters.at("required").as_array().size(), 2u);
  ASSERT_TRUE(r.request.tool_choice);
  EXPECT_EQ(r.request.tool_choice->mode, ToolChoice::Mode::kAuto);
  // The echo carries the tool as the spec's response shows it.
  auto spec = json::parse(read_fixture("responses/functions.response.json"));
  expect_shape(spec.at("tools"), echo_object(r).at("tools"), ".tools");
}

TEST(ResponsesParse, ReasoningExampleForwardsTheEffort) {
  auto r = parse_ok(read_fixture("responses/reasoning.request.json"));
  EXPECT_EQ(r.request.settings.extra.at("reasoning_effort"), "high");
  EXPECT_EQ(echo_object(r).at("reasoning").at("effort"), "high");
}

TEST(ResponsesParse, StreamingExample) {
  auto r = parse_ok(read_fixture("responses/streaming.request.json"));
  EXPECT_TRUE(r.stream);
  ASSERT_TRUE(r.instructions);
  EXPECT_EQ(*r.instructions, "You are a helpful assistant.");
  ASSERT_EQ(r.request.messages.size(), 1u);  // instructions are kept apart
  EXPECT_EQ(echo_object(r).at("instructions"), "You are a helpful assistant.");
}

TEST(ResponsesParse, FunctionCallRoundTripItems) {
  // The client sends back the spec's function_call output item and its result.
  auto spec = json::parse(read_fixture("responses/functions.response.json"));
  json::array input{json::value("What is the weather like in Boston today?"),
                    spec.at("output").at(0),
                    json::object{{"type", "function_call_output"},
                                 {"call_id", "call_unLAR8MvFNptuiZK6K6HCy5k"},
                                 {"output", "{\"temperature\":22}"}}};
  input[0] = json::object{{"role", "user"}, {"content", "What is the weather like in Boston?"}};
  auto r = parse_ok(json::serialize(json::object{{"model", "m"}, {"input", input}}));
  ASSERT_EQ(r.request.messages.size(), 3u);
  const auto& call = r.request.messages[1];
  EXPECT_EQ(call.role, Role::kAssistant);
  ASSERT_EQ(call.tool_calls.size(), 1u);
  EXPECT_EQ(call.tool_calls[0].id, "call_unLAR8MvFNptuiZK6K6HCy5k");
  EXPECT_EQ(call.tool_calls[0].name, "get_current_weather");
  EXPECT_EQ(call.tool_calls[0].arguments, R"({"location":"Boston, MA","unit":"celsius"})");
  EXPECT_EQ(r.request.messages[2].role, Role::kTool);
  EXPECT_EQ(r.request.messages[2].tool_call_id, "call_unLAR8MvFNptuiZK6K6HCy5k");
  EXPECT_EQ(r.request.messages[2].content, "{\"temperature\":22}");
}

TEST(ResponsesParse, SettingsFormatAndExtensions) {
  auto r = parse_ok(R"({"model":"m","input":"hi","max_output_tokens":64,"temperature":0.2,
      "top_p":0.9,"text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},
      "strict":true}},"metadata":{"k":"v"},"store":false,"previous_response_id":"resp_1",
      "ttl":600,"min_p":0.05,"top_k":20,"include":["reasoning.encrypted_content"],
      "truncation":"auto","tool_choice":{"type":"function","name":"f"},"user":"u1"})");
  EXPECT_EQ(r.request.settings.max_tokens, 64);
  EXPECT_EQ(r.request.settings.temperature, 0.2);
  EXPECT_EQ(r.request.settings.top_p, 0.9);
  EXPECT_EQ(r.request.settings.top_k, 20);
  ASSERT_TRUE(r.request.response_format);
  EXPECT_EQ(r.request.response_format->type, ResponseFormat::Type::kJsonSchema);
  EXPECT_EQ(r.request.response_format->schema_name, "w");
  EXPECT_FALSE(r.store);
  EXPECT_EQ(r.previous_response_id, "resp_1");
  EXPECT_EQ(r.request.settings.extra.at("ttl"), 600);  // provider extensions: forwarded
  EXPECT_EQ(r.request.settings.extra.at("min_p"), 0.05);
  EXPECT_FALSE(r.request.settings.extra.contains("include"));  // OpenAI platform: dropped
  EXPECT_FALSE(r.request.settings.extra.contains("truncation"));
  EXPECT_EQ(r.request.tool_choice->function_name, "f");
  EXPECT_EQ(r.request.session_id, "u1");
  auto echo = echo_object(r);
  EXPECT_EQ(echo.at("max_output_tokens"), 64);
  EXPECT_EQ(echo.at("metadata").at("k"), "v");
  EXPECT_EQ(echo.at("store"), false);
  EXPECT_EQ(echo.at("previous_response_id"), "resp_1");
  EXPECT_EQ(echo.at("text").at("format").at("type"), "json_schema");
  EXPECT_EQ(echo.at("tool_choice").at("name"), "f");
  EXPECT_EQ(r.request.settings.extra.size(), 2u) << json::serialize(r.request.settings.extra);
}

TEST(ResponsesParse, ErrorsNameTheField) {
  EXPECT_EQ(parse_error(R"({"model":"m"})").param, "input");
  EXPECT_EQ(parse_error(R"({"input":7})").param, "input");
  EXPECT_EQ(parse_error(R"({"input":"x","temperature":3})").param, "temperature");
  EXPECT_EQ(parse_error(R"({"input":"x","max_output_tokens":0})").param, "max_output_tokens");
  EXPECT_EQ(parse_error(R"({"input":"x","max_tokens":5})").param, "max_tokens");
  EXPECT_EQ(parse_error(R"({"input":"x","stream":"yes"})").param, "stream");
  EXPECT_EQ(parse_error(R"({"input":[{"role":"robot","content":"x"}]})").param, "input[0].role");
  EXPECT_EQ(parse_error(R"({"input":[{"role":"user","content":[{"type":"input_image"}]}]})").param,
            "input[0].content[0].image_url");
  EXPECT_EQ(
      parse_error(R"({"input":[{"type":"function_call","name":"f","arguments":"{}"}]})").param,
      "input[0].call_id");
  EXPECT_EQ(parse_error(R"({"input":[{"type":"item_reference","id":"x"}]})").param,
            "input[0].type");
  EXPECT_EQ(parse_error(R"({"input":"x","tools":[{"type":"web_search"}]})").param, "tools[0].type");
  EXPECT_EQ(parse_error(R"({"input":"x","text":{"format":{"type":"xml"}}})").param,
            "text.format.type");
  EXPECT_EQ(parse_error(R"({"input":"x","metadata":{"k":1}})").param, "metadata.k");
  EXPECT_EQ(parse_error(R"({"input":"x","reasoning":{"effort":"max"}})").param, "reasoning.effort");
  EXPECT_EQ(parse_error(R"({"input":"x","background":true})").param, "background");
  EXPECT_EQ(parse_error(R"({"input":"x","tool_choice":"sometimes"})").param, "tool_choice");
  EXPECT_EQ(parse_error(R"({"input":"x"} trailing)").kind, ErrorKind::kInvalidRequest);
}

TEST(ResponsesParse, LimitsHold) {
  RequestLimits tight;
  tight.max_messages = 2;
  auto r = parse_responses_request(R"({"input":["a","b","c"]})", tight);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().param, "input");
  tight.max_depth = 3;
  r = parse_responses_request(R"({"input":[{"role":"user","content":[{"type":"input_text"}]}]})",
                              tight);
  ASSERT_FALSE(r);
}

// --- the response object against the spec's ---

TEST(ResponsesEncode, TextResponseHasTheSpecShape) {
  auto req = parse_ok(read_fixture("responses/text_input.request.json"));
  ResponseHead head{.id = "resp_x", .model = "gpt-5.4", .created_at = 1741476542, .echo = req.echo};
  GenerationResult result = answer("Once upon a time.");
  auto body = json::parse(encode_response(head, response_output(result),
                                          response_outcome(result.finish_reason), result.usage,
                                          1741476543));
  expect_shape(json::parse(read_fixture("responses/text_input.response.json")), body, "");
  EXPECT_EQ(body.at("status"), "completed");
  EXPECT_EQ(body.at("object"), "response");
  EXPECT_EQ(body.at("output").at(0).at("content").at(0).at("text"), "Once upon a time.");
  EXPECT_EQ(body.at("usage").at("input_tokens"), 36);
  EXPECT_EQ(body.at("usage").at("output_tokens"), 87);
  EXPECT_EQ(body.at("usage").at("total_tokens"), 123);
  EXPECT_TRUE(body.at("output").at(0).at("id").as_string().starts_with("msg_"));
}

TEST(ResponsesEncode, FunctionCallResponseHasTheSpecShape) {
  auto req = parse_ok(read_fixture("responses/functions.request.json"));
  ResponseHead head{.id = "resp_x", .model = "gpt-5.4", .created_at = 1, .echo = req.echo};
  GenerationResult result;
  result.tool_calls.push_back(
      {"call_1", "get_current_weather", R"({"location":"Boston, MA","unit":"celsius"})"});
  result.finish_reason = FinishReason::kToolCalls;
  result.usage = Usage{291, 23, 314};
  const auto output = response_output(result);
  ASSERT_EQ(output.size(), 1u);  // no empty message beside the call
  auto body = json::parse(
      encode_response(head, output, response_outcome(result.finish_reason), result.usage, 2));
  expect_shape(json::parse(read_fixture("responses/functions.response.json")), body, "");
  EXPECT_EQ(body.at("output").at(0).at("call_id"), "call_1");
  EXPECT_EQ(body.at("status"), "completed");
  auto turns = output_messages(output);
  ASSERT_EQ(turns.size(), 1u);
  EXPECT_EQ(turns[0].tool_calls.at(0).name, "get_current_weather");
}

TEST(ResponsesEncode, ReasoningAndIncomplete) {
  GenerationResult result = answer("partial");
  result.reasoning = "thinking";
  result.finish_reason = FinishReason::kLength;
  ResponseHead head{.id = "resp_x", .model = "m", .created_at = 1, .echo = {}};
  auto body = json::parse(encode_response(head, response_output(result),
                                          response_outcome(result.finish_reason), result.usage, 2));
  EXPECT_EQ(body.at("status"), "incomplete");
  EXPECT_EQ(body.at("incomplete_details").at("reason"), "max_output_tokens");  // the spec's enum
  EXPECT_TRUE(body.at("completed_at").is_null());
  const auto& output = body.at("output").as_array();
  ASSERT_EQ(output.size(), 2u);
  EXPECT_EQ(output[0].at("type"), "reasoning");
  EXPECT_EQ(output[0].at("content").at(0).at("text"), "thinking");
  EXPECT_EQ(output[1].at("status"), "incomplete");
}

TEST(ResponsesEncode, Deleted) {
  auto body = json::parse(encode_response_deleted("resp_1"));
  EXPECT_EQ(body, json::parse(R"({"id":"resp_1","object":"response","deleted":true})"));
}

// --- the stream against the spec's ---

std::string stream_text(ResponsesEventEncoder& enc, const std::vector<StreamPart>& parts,
                        const Finish& finish) {
  std::string out = enc.open();
  for (const auto& p : parts) out += enc.encode(p);
  out += enc.finish(finish);
  return out;
}

TEST(ResponsesStream, TextStreamFollowsTheSpecExample) {
  auto req = parse_ok(read_fixture("responses/streaming.request.json"));
  ResponsesEventEncoder enc(
      ResponseHead{.id = "resp_x", .model = "gpt-5.4", .created_at = 1741290958, .echo = req.echo});
  const std::string text =
      stream_text(enc, {TextDelta{"Hi"}, TextDelta{" there!"}},
                  Finish{.reason = FinishReason::kStop, .usage = Usage{37, 11, 48}});
  const auto ours = events_of(text);
  const auto spec = events_of(read_fixture("responses/streaming.response.events"));
  // The spec's order, its one delta standing for ours.
  std::vector<std::string> spec_names;
  for (const auto& e : spec) spec_names.push_back(e.name);
  std::vector<std::string> our_names;
  for (const auto& e : ours) {
    if (our_names.empty() || e.name != our_names.back() || e.name != "response.output_text.delta") {
      our_names.push_back(e.name);
    }
  }
  EXPECT_EQ(our_names, spec_names);
  ASSERT_EQ(ours.size(), spec.size() + 1);  // two deltas
  for (std::size_t i = 0, j = 0; i < ours.size(); ++i) {
    const Event& e = ours[i];
    EXPECT_EQ(e.data.at("type").as_string(), e.name);
    EXPECT_EQ(e.data.at("sequence_number"), static_cast<std::int64_t>(i));  // from 0, no gaps
    if (i == 5) continue;                                                   // the second delta
    expect_shape(spec[j].data, e.data, e.name);
    ++j;
  }
  const auto& done = ours.back().data.at("response");
  EXPECT_EQ(done.at("status"), "completed");
  EXPECT_EQ(done.at("output").at(0).at("content").at(0).at("text"), "Hi there!");
  EXPECT_EQ(done.at("usage").at("total_tokens"), 48);
  EXPECT_EQ(ours[6].data.at("text"), "Hi there!");  // output_text.done
  EXPECT_EQ(json::parse(enc.final_response()), done);
  EXPECT_EQ(text.find("[DONE]"), std::string::npos);
}

TEST(ResponsesStream, EventsHaveTheSpecExamplesKeys) {
  auto examples = json::parse(read_fixture("responses/event_examples.json")).as_object();
  ResponsesEventEncoder enc(
      ResponseHead{.id = "resp_x", .model = "m", .created_at = 1, .echo = {}});
  std::string text = enc.open();
  text += enc.encode(ReasoningDelta{"Think"});
  text += enc.encode(TextDelta{"Hi"});
  text += enc.encode(
      ToolCallDelta{.index = 0, .id = "call_1", .name = "get_weather", .arguments = "{\"a\":"});
  text += enc.encode(ToolCallDelta{.index = 0, .arguments = "1}"});
  text += enc.finish(Finish{.reason = FinishReason::kToolCalls, .usage = Usage{1, 2, 3}});
  std::map<std::string, json::object> first_of;
  for (auto& e : events_of(text)) first_of.try_emplace(e.name, e.data);
  int compared = 0;
  for (const auto& kv : examples) {
    if (!kv.value().is_object()) continue;  // the malformed upstream example (README)
    const auto& example = kv.value().as_object();
    const std::string type(example.at("type").as_string());
    if (type == "response.failed" || type == "response.incomplete") continue;  // below
    auto it = first_of.find(type);
    ASSERT_NE(it, first_of.end()) << type << " was not emitted";
    for (const auto& member : example) {
      EXPECT_TRUE(it->second.contains(member.key())) << type << " lacks " << member.key();
    }
    ++compared;
  }
  EXPECT_GE(compared, 12);
  const auto output = json::parse(enc.final_response()).at("output").as_array();
  ASSERT_EQ(output.size(), 3u);
  EXPECT_EQ(output[0].at("type"), "reasoning");
  EXPECT_EQ(output[1].at("type"), "message");
  EXPECT_EQ(output[2].at("arguments"), "{\"a\":1}");
  EXPECT_EQ(output[2].at("call_id"), "call_1");
}

TEST(ResponsesStream, IncompleteAndFailedHaveTheSpecShape) {
  auto examples = json::parse(read_fixture("responses/event_examples.json")).as_object();
  ResponsesEventEncoder enc(
      ResponseHead{.id = "resp_x", .model = "m", .created_at = 1, .echo = {}});
  auto events =
      events_of(stream_text(enc, {TextDelta{"cut"}}, Finish{.reason = FinishReason::kLength}));
  const auto& incomplete = events.back();
  EXPECT_EQ(incomplete.name, "response.incomplete");
  EXPECT_EQ(incomplete.data.at("response").at("incomplete_details").at("reason"),
            "max_output_tokens");
  for (const auto& member : examples.at("ResponseIncompleteEvent").as_object()) {
    EXPECT_TRUE(incomplete.data.contains(member.key())) << member.key();
  }

  ResponsesEventEncoder failing(
      ResponseHead{.id = "resp_y", .model = "m", .created_at = 1, .echo = {}});
  std::string text = failing.open() + failing.encode(TextDelta{"par"});
  text += failing.fail("upstream_error", "the upstream closed the stream");
  auto failed = events_of(text).back();
  EXPECT_EQ(failed.name, "response.failed");
  EXPECT_EQ(failed.data.at("response").at("status"), "failed");
  EXPECT_EQ(failed.data.at("response").at("error").at("code"), "upstream_error");
  const auto& example = examples.at("ResponseFailedEvent").as_object();
  for (const auto& member : example) EXPECT_TRUE(failed.data.contains(member.key()));
  expect_shape(example.at("response").at("error"), failed.data.at("response").at("error"),
               "failed.response.error");
}

TEST(ResponsesStream, AnEmptyAnswerStillHasItsMessage) {
  ResponsesEventEncoder enc(
      ResponseHead{.id = "resp_x", .model = "m", .created_at = 1, .echo = {}});
  auto events = events_of(stream_text(enc, {}, Finish{}));
  ASSERT_EQ(events.size(), 8u);  // created, in_progress, item+part added, text+part+item done,
                                 // completed
  EXPECT_EQ(events.back().data.at("response").at("output").at(0).at("type"), "message");
}

}  // namespace
}  // namespace roci::openai_wire
