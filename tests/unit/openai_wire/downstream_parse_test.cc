#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "openai_wire/downstream_codec.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;

const RequestLimits kLimits{};

// A valid body with `fields` spliced in after "messages" (fields: `"k":v,...` or empty).
std::string chat_body(std::string_view fields) {
  std::string body = R"({"model":"local-model","messages":[{"role":"user","content":"Hi"}])";
  if (!fields.empty()) {
    body += ',';
    body += fields;
  }
  body += '}';
  return body;
}

Result<ParsedChatRequest> parse(std::string_view fields) {
  return parse_chat_request(chat_body(fields), kLimits);
}

void expect_invalid(std::string_view body, std::string_view param,
                    std::string_view message_part = "", const RequestLimits& limits = kLimits) {
  auto r = parse_chat_request(body, limits);
  ASSERT_FALSE(r) << body;
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest) << body;
  EXPECT_EQ(r.error().param, param) << body << " -> " << r.error().message;
  if (!message_part.empty()) {
    EXPECT_NE(r.error().message.find(message_part), std::string::npos) << r.error().message;
  }
}

void expect_field_invalid(std::string_view fields, std::string_view param,
                          std::string_view message_part = "") {
  expect_invalid(chat_body(fields), param, message_part);
}

TEST(ParseChatRequestTest, SeedAdvancedParametersExample) {
  auto r = parse_chat_request(R"({
    "model": "local-model",
    "messages": [
      {"role": "system", "content": "You are a helpful coding assistant."},
      {"role": "user", "content": "Write a function to reverse a string."}
    ],
    "max_tokens": 500,
    "temperature": 0.7,
    "top_p": 0.9,
    "frequency_penalty": 0.1,
    "presence_penalty": 0.1,
    "stop": ["```", "END"],
    "seed": 42
  })",
                              kLimits);
  ASSERT_TRUE(r) << r.error().message;
  const ProviderRequest& req = r->request;
  EXPECT_EQ(req.model, "local-model");
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0], ModelMessage::system("You are a helpful coding assistant."));
  EXPECT_EQ(req.messages[1], ModelMessage::user("Write a function to reverse a string."));
  EXPECT_EQ(req.settings.max_tokens, 500);
  EXPECT_EQ(req.settings.temperature, 0.7);
  EXPECT_EQ(req.settings.top_p, 0.9);
  EXPECT_EQ(req.settings.frequency_penalty, 0.1);
  EXPECT_EQ(req.settings.presence_penalty, 0.1);
  EXPECT_EQ(req.settings.stop_sequences, (std::vector<std::string>{"```", "END"}));
  EXPECT_EQ(req.settings.seed, 42);
  EXPECT_TRUE(req.settings.extra.empty());
  EXPECT_FALSE(r->stream);
  EXPECT_FALSE(r->include_usage);
}

TEST(ParseChatRequestTest, MinimalRequestLeavesEverythingUnset) {
  auto r = parse_chat_request(R"({"messages":[{"role":"user","content":"Hi"}]})", kLimits);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->request.model, "");
  EXPECT_EQ(r->request.settings, GenerationSettings{});
  EXPECT_FALSE(r->request.tools);
  EXPECT_FALSE(r->request.tool_choice);
  EXPECT_FALSE(r->request.response_format);
  EXPECT_FALSE(r->request.session_id);
}

TEST(ParseChatRequestTest, UnknownFieldsLandInExtraUntouched) {
  auto r = parse(R"("ttl":600,"draft_model":"qwen2.5-0.5b","min_p":0.05,"repeat_penalty":1.1,
                    "cache_prompt":true,"mirostat":2,"logprobs":true,"logit_bias":{"50256":-100})");
  ASSERT_TRUE(r) << r.error().message;
  const auto& extra = r->request.settings.extra;
  EXPECT_EQ(extra.size(), 8u);
  EXPECT_EQ(extra.at("ttl").as_int64(), 600);
  EXPECT_EQ(extra.at("draft_model").as_string(), "qwen2.5-0.5b");
  EXPECT_EQ(extra.at("min_p").as_double(), 0.05);
  EXPECT_EQ(extra.at("repeat_penalty").as_double(), 1.1);
  EXPECT_EQ(extra.at("cache_prompt").as_bool(), true);
  EXPECT_EQ(extra.at("mirostat").as_int64(), 2);
  EXPECT_EQ(extra.at("logit_bias"), json::parse(R"({"50256":-100})"));
}

// parse_chat_request parses into a buffer on its own stack frame: every JSON value the request
// keeps (extensions, tool schemas, response schema, unknown content parts) must be a copy on the
// heap, still intact after that frame was reused by another parse.
TEST(ParseChatRequestTest, JsonValuesKeptFromTheBodyOutliveTheParse) {
  auto r = parse_chat_request(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"QUJD","format":"wav"}}]}],
          "logit_bias":{"50256":-100},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}],
          "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object","required":["a"]}}}})",
      kLimits);
  ASSERT_TRUE(r) << r.error().message;
  auto other = parse(R"("ttl":1,"x":{"deep":[1,2,3,"overwrite the stack frame"]})");  // reuses it
  ASSERT_TRUE(other);
  const json::storage_ptr heap;
  const auto& req = r->request;
  EXPECT_EQ(req.settings.extra.at("logit_bias"), json::parse(R"({"50256":-100})"));
  EXPECT_EQ(req.settings.extra.storage().get(), heap.get());
  EXPECT_EQ(req.settings.extra.at("logit_bias").storage().get(), heap.get());
  ASSERT_TRUE(req.tools && req.tools->size() == 1);
  EXPECT_EQ((*req.tools)[0].parameters,
            json::parse(R"({"type":"object","properties":{"q":{"type":"string"}}})"));
  EXPECT_EQ((*req.tools)[0].parameters.storage().get(), heap.get());
  ASSERT_TRUE(req.response_format);
  EXPECT_EQ(req.response_format->schema, json::parse(R"({"type":"object","required":["a"]})"));
  EXPECT_EQ(req.response_format->schema.storage().get(), heap.get());
  ASSERT_EQ(req.messages.size(), 1u);
  ASSERT_EQ(req.messages[0].parts.size(), 1u);
  EXPECT_EQ(req.messages[0].parts[0].raw.at("input_audio").at("format").as_string(), "wav");
  EXPECT_EQ(req.messages[0].parts[0].raw.storage().get(), heap.get());
}
TEST(ParseChatRequestTest, StreamAndStreamOptions) {
  auto r = parse(R"("stream":true,"stream_options":{"include_usage":true})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  auto order = parse_chat_request(
      R"({"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}],"stream":true})",
      kLimits);
  ASSERT_TRUE(order);
  EXPECT_TRUE(order->include_usage);

  expect_field_invalid(R"("stream_options":{"include_usage":true})", "stream_options",
                       "only allowed when stream is true");
  expect_field_invalid(R"("stream":false,"stream_options":{"include_usage":true})",
                       "stream_options");
  expect_field_invalid(R"("stream":true,"stream_options":true)", "stream_options");
  expect_field_invalid(R"("stream":true,"stream_options":{"include_usage":"yes"})",
                       "stream_options.include_usage");
  expect_field_invalid(R"("stream":"true")", "stream", "boolean");
  EXPECT_TRUE(parse(R"("stream":true,"stream_options":null)"));
}

TEST(ParseChatRequestTest, NumericRangesNameTheFieldAndTheValue) {
  expect_field_invalid(R"("temperature":3.5)", "temperature",
                       "temperature must be a number between 0 and 2, got 3.5");
  expect_field_invalid(R"("temperature":-0.1)", "temperature");
  expect_field_invalid(R"("temperature":"hot")", "temperature", "got a string");
  expect_field_invalid(R"("top_p":1.5)", "top_p", "between 0 and 1");
  expect_field_invalid(R"("top_p":[0.5])", "top_p", "got an array");
  expect_field_invalid(R"("frequency_penalty":2.5)", "frequency_penalty", "between -2 and 2");
  expect_field_invalid(R"("presence_penalty":-3)", "presence_penalty", "got -3");
  expect_field_invalid(R"("presence_penalty":true)", "presence_penalty", "got true");
  expect_field_invalid(R"("top_k":-2)", "top_k");
  expect_field_invalid(R"("top_k":1.5)", "top_k");
  expect_field_invalid(R"("seed":1.5)", "seed", "integer");
  expect_field_invalid(R"("seed":"42")", "seed");
  expect_field_invalid(R"("seed":18446744073709551615)", "seed");

  auto edges = parse(R"("temperature":0,"top_p":1,"frequency_penalty":-2,"presence_penalty":2,
                        "top_k":-1,"seed":-7)");
  ASSERT_TRUE(edges) << edges.error().message;
  EXPECT_EQ(edges->request.settings.temperature, 0.0);
  EXPECT_EQ(edges->request.settings.top_k, -1);
  EXPECT_EQ(edges->request.settings.seed, -7);
  EXPECT_EQ(parse(R"("top_k":0)")->request.settings.top_k, 0);
  EXPECT_EQ(parse(R"("temperature":2)")->request.settings.temperature, 2.0);
}

TEST(ParseChatRequestTest, MaxTokens) {
  EXPECT_EQ(parse(R"("max_tokens":1)")->request.settings.max_tokens, 1);
  EXPECT_EQ(parse(R"("max_tokens":-1)")->request.settings.max_tokens, -1);
  EXPECT_EQ(parse(R"("max_tokens":500.0)")->request.settings.max_tokens, 500);
  EXPECT_EQ(parse(R"("max_completion_tokens":64)")->request.settings.max_tokens, 64);
  // max_completion_tokens wins whatever the order.
  EXPECT_EQ(parse(R"("max_completion_tokens":64,"max_tokens":10)")->request.settings.max_tokens,
            64);
  EXPECT_EQ(parse(R"("max_tokens":10,"max_completion_tokens":64)")->request.settings.max_tokens,
            64);
  expect_field_invalid(R"("max_tokens":0)", "max_tokens", "got 0");
  expect_field_invalid(R"("max_tokens":-2)", "max_tokens");
  expect_field_invalid(R"("max_tokens":10.5)", "max_tokens");
  expect_field_invalid(R"("max_tokens":"100")", "max_tokens");
  expect_field_invalid(R"("max_tokens":1048577)", "max_tokens", "1048576");
  expect_field_invalid(R"("max_completion_tokens":0)", "max_completion_tokens");
  EXPECT_FALSE(parse(R"("max_tokens":null)")->request.settings.max_tokens);
}

TEST(ParseChatRequestTest, Stop) {
  EXPECT_EQ(parse(R"("stop":"END")")->request.settings.stop_sequences,
            (std::vector<std::string>{"END"}));
  EXPECT_FALSE(parse(R"("stop":[])")->request.settings.stop_sequences);
  expect_field_invalid(R"("stop":42)", "stop", "a string or an array of strings");
  expect_field_invalid(R"("stop":["a",1])", "stop[1]");
  std::string many = R"("stop":[)";
  for (int i = 0; i < 17; ++i) many += (i ? ",\"s" : "\"s") + std::to_string(i) + "\"";
  many += "]";
  expect_field_invalid(many, "stop", "at most 16");
}

TEST(ParseChatRequestTest, NAboveOneIsForwardedInExtra) {
  auto one = parse(R"("n":1)");
  ASSERT_TRUE(one);
  EXPECT_FALSE(one->request.settings.extra.contains("n"));  // the default: not forwarded
  EXPECT_EQ(requested_choices(one->request.settings), 1);
  auto three = parse(R"("n":3)");
  ASSERT_TRUE(three);
  EXPECT_EQ(three->request.settings.extra.at("n"), 3);
  EXPECT_EQ(requested_choices(three->request.settings), 3);
  EXPECT_TRUE(parse(R"("n":128)"));
  expect_field_invalid(R"("n":0)", "n", "an integer between 1 and 128, got 0");
  expect_field_invalid(R"("n":129)", "n", "got 129");
  expect_field_invalid(R"("n":1.5)", "n");
  expect_field_invalid(R"("n":"1")", "n");
}

TEST(ParseChatRequestTest, ModelAndUser) {
  auto r = parse(R"("user":"session-1")");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.session_id, "session-1");
  expect_field_invalid(R"("user":5)", "user");
  expect_invalid(R"({"model":7,"messages":[{"role":"user","content":"Hi"}]})", "model");
  auto null_model =
      parse_chat_request(R"({"model":null,"messages":[{"role":"user","content":"Hi"}]})", kLimits);
  ASSERT_TRUE(null_model);
  EXPECT_EQ(null_model->request.model, "");
}

TEST(ParseChatRequestTest, Messages) {
  expect_invalid(R"({"model":"m"})", "messages", "required");
  expect_invalid(R"({"messages":[]})", "messages", "non-empty array");
  expect_invalid(R"({"messages":{"role":"user"}})", "messages", "got an object");
  expect_invalid(R"({"messages":["hi"]})", "messages[0]", "message object");
  expect_invalid(R"({"messages":[{"content":"hi"}]})", "messages[0].role", "required");
  expect_invalid(R"({"messages":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]})",
                 "messages[1].role", "got \"robot\"");
  expect_invalid(R"({"messages":[{"role":1,"content":"b"}]})", "messages[0].role");
  expect_invalid(R"({"messages":[{"role":"user"}]})", "messages[0].content", "required");
  expect_invalid(R"({"messages":[{"role":"user","content":null}]})", "messages[0].content");
  expect_invalid(R"({"messages":[{"role":"user","content":5}]})", "messages[0].content");
  expect_invalid(R"({"messages":[{"role":"tool","content":"42"}]})", "messages[0].tool_call_id");
  expect_invalid(R"({"messages":[{"role":"user","content":"x","tool_calls":[]}]})",
                 "messages[0].tool_calls", "only allowed on assistant");
  expect_invalid(R"({"messages":[{"role":"user","content":"x","name":3}]})", "messages[0].name");

  RequestLimits small = kLimits;
  small.max_messages = 2;
  expect_invalid(
      R"({"messages":[{"role":"user","content":"1"},{"role":"user","content":"2"},{"role":"user","content":"3"}]})",
      "messages", "at most 2", small);
}

TEST(ParseChatRequestTest, MessageShapes) {
  auto r = parse_chat_request(R"({"messages":[
      {"role":"developer","content":"Rules."},
      {"role":"user","name":"alice","content":[
          {"type":"text","text":"What is this?"},
          {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO","detail":"low"}},
          {"type":"image_url","image_url":"https://example.com/cat.jpg"},
          {"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"365174485","type":"function",
          "function":{"name":"search","arguments":"{\"q\":\"dell\"}"}}]},
      {"role":"tool","tool_call_id":"365174485","content":"[]"},
      {"role":"assistant","content":"Nothing found.","refusal":null}]})",
                              kLimits);
  ASSERT_TRUE(r) << r.error().message;
  const auto& m = r->request.messages;
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].role, Role::kDeveloper);
  EXPECT_EQ(m[1].name, "alice");
  ASSERT_EQ(m[1].parts.size(), 4u);
  EXPECT_EQ(m[1].parts[0], ContentPart::text_part("What is this?"));
  EXPECT_EQ(m[1].parts[1], ContentPart::image("data:image/png;base64,iVBO", "low"));
  EXPECT_EQ(m[1].parts[2], ContentPart::image("https://example.com/cat.jpg"));
  EXPECT_EQ(m[1].parts[3].type, ContentPartType::kOther);
  EXPECT_EQ(m[1].parts[3].raw.at("type").as_string(), "input_audio");
  EXPECT_TRUE(m[2].content_is_null);
  ASSERT_EQ(m[2].tool_calls.size(), 1u);
  EXPECT_EQ(m[2].tool_calls[0], (ToolCall{"365174485", "search", R"({"q":"dell"})"}));
  EXPECT_EQ(m[3], ModelMessage::tool("365174485", "[]"));
  EXPECT_EQ(m[4], ModelMessage::assistant("Nothing found."));
}

TEST(ParseChatRequestTest, BadContentPartsAndToolCalls) {
  auto msg = [](std::string_view message) {
    return std::string(R"({"messages":[)") + std::string(message) + "]}";
  };
  expect_invalid(msg(R"({"role":"user","content":[{"text":"x"}]})"), "messages[0].content[0].type");
  expect_invalid(msg(R"({"role":"user","content":[{"type":"text"}]})"),
                 "messages[0].content[0].text");
  expect_invalid(msg(R"({"role":"user","content":["x"]})"), "messages[0].content[0]");
  expect_invalid(msg(R"({"role":"user","content":[{"type":"image_url","image_url":{}}]})"),
                 "messages[0].content[0].image_url.url");
  expect_invalid(
      msg(R"({"role":"user","content":[{"type":"image_url","image_url":{"url":"u","detail":"ultra"}}]})"),
      "messages[0].content[0].image_url.detail");
  expect_invalid(msg(R"({"role":"assistant","tool_calls":{}})"), "messages[0].tool_calls");
  expect_invalid(
      msg(R"({"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f"}}]})"),
      "messages[0].tool_calls[0].id");
  expect_invalid(
      msg(R"({"role":"assistant","tool_calls":[{"id":"1","function":{"arguments":"{}"}}]})"),
      "messages[0].tool_calls[0].function.name");
  expect_invalid(
      msg(R"({"role":"assistant","tool_calls":[{"id":"1","type":"code","function":{"name":"f"}}]})"),
      "messages[0].tool_calls[0].type");
  expect_invalid(
      msg(R"({"role":"assistant","tool_calls":[{"id":"1","function":{"name":"f","arguments":5}}]})"),
      "messages[0].tool_calls[0].function.arguments");
}

TEST(ParseChatRequestTest, Tools) {
  auto r = parse(R"("tools":[{"type":"function","function":{"name":"get_weather",
      "description":"Weather","parameters":{"type":"object","properties":{}},"strict":true}}],
      "tool_choice":"required","parallel_tool_calls":false)");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->request.tools);
  ASSERT_EQ(r->request.tools->size(), 1u);
  const auto& t = r->request.tools->front();
  EXPECT_EQ(t.name, "get_weather");
  EXPECT_EQ(t.description, "Weather");
  EXPECT_EQ(t.parameters, json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_EQ(t.strict, true);
  EXPECT_EQ(r->request.tool_choice, (ToolChoice{ToolChoice::Mode::kRequired, {}}));
  EXPECT_EQ(r->request.parallel_tool_calls, false);

  auto named = parse(R"("tool_choice":{"type":"function","function":{"name":"f"}})");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->request.tool_choice, ToolChoice::function("f"));
  EXPECT_EQ(parse(R"("tool_choice":"none")")->request.tool_choice->mode, ToolChoice::Mode::kNone);
  EXPECT_EQ(parse(R"("tool_choice":"auto")")->request.tool_choice->mode, ToolChoice::Mode::kAuto);

  expect_field_invalid(R"("tools":{})", "tools");
  expect_field_invalid(R"("tools":[{"type":"retrieval"}])", "tools[0].type");
  expect_field_invalid(R"("tools":[{"type":"function"}])", "tools[0].function");
  expect_field_invalid(R"("tools":[{"type":"function","function":{"description":"x"}}])",
                       "tools[0].function.name");
  expect_field_invalid(R"("tools":[{"type":"function","function":{"name":"f","parameters":"{}"}}])",
                       "tools[0].function.parameters");
  expect_field_invalid(R"("tools":[{"type":"function","function":{"name":"f","strict":1}}])",
                       "tools[0].function.strict");
  expect_field_invalid(R"("tool_choice":"any")", "tool_choice", "got \"any\"");
  expect_field_invalid(R"("tool_choice":{"type":"function","function":{}})",
                       "tool_choice.function.name");
  expect_field_invalid(R"("tool_choice":{"type":"tool"})", "tool_choice.type");
  expect_field_invalid(R"("tool_choice":3)", "tool_choice");
  expect_field_invalid(R"("parallel_tool_calls":"no")", "parallel_tool_calls");
}

TEST(ParseChatRequestTest, ResponseFormat) {
  EXPECT_EQ(parse(R"("response_format":{"type":"text"})")->request.response_format,
            ResponseFormat{});
  EXPECT_EQ(parse(R"("response_format":{"type":"json_object"})")->request.response_format,
            ResponseFormat::json_object());
  auto schema = parse(R"("response_format":{"type":"json_schema","json_schema":{"name":"answer",
      "schema":{"type":"object"},"strict":true}})");
  ASSERT_TRUE(schema) << schema.error().message;
  EXPECT_EQ(schema->request.response_format,
            ResponseFormat::json_schema("answer", json::parse(R"({"type":"object"})"), true));

  expect_field_invalid(R"("response_format":"json")", "response_format");
  expect_field_invalid(R"("response_format":{"type":"yaml"})", "response_format.type",
                       "text, json_object, json_schema");
  expect_field_invalid(R"("response_format":{"type":"json_schema"})",
                       "response_format.json_schema");
  expect_field_invalid(R"("response_format":{"type":"json_schema","json_schema":{"schema":[]}})",
                       "response_format.json_schema.schema");
  expect_field_invalid(R"("response_format":{"type":"json_schema","json_schema":{"strict":"y"}})",
                       "response_format.json_schema.strict");
}

TEST(ParseChatRequestTest, NullOptionalFieldsAreAbsent) {
  auto r = parse(R"("temperature":null,"top_p":null,"stop":null,"tools":null,"tool_choice":null,
                    "response_format":null,"user":null,"seed":null,"stream":null,"n":null)");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->request.settings, GenerationSettings{});
  EXPECT_FALSE(r->request.tools);
}

TEST(ParseChatRequestTest, RejectsBadJson) {
  expect_invalid("", "", "empty");
  expect_invalid("[1,2]", "", "must be a JSON object, got an array");
  expect_invalid(R"("just a string")", "", "must be a JSON object");
  expect_invalid(R"({"messages":[{"role":"user","content":"Hi"}],"temperature":NaN})", "", "NaN");
  expect_invalid("{\"messages\":[{\"role\":\"user\",\"content\":\"\xC3\x28\"}]}", "",
                 "invalid UTF-8");
  expect_invalid(R"({"messages":[{"role":"user","content":"Hi"}],)", "", "invalid JSON");
}

TEST(ParseChatRequestTest, RejectsDuplicateKeys) {
  expect_invalid(R"({"messages":[{"role":"user","content":"Hi"}],"model":"a","model":"b"})",
                 "model", "duplicate key \"model\"");
  expect_invalid(R"({"messages":[{"role":"user","content":"Hi","role":"system"}]})",
                 "messages[0].role", "duplicate key \"role\"");
}

TEST(ParseChatRequestTest, EnforcesDepthAndStringLimits) {
  RequestLimits limits = kLimits;
  limits.max_depth = 5;
  expect_invalid(chat_body(R"("extra":{"a":{"b":{"c":{"d":{"e":1}}}}})"), "",
                 "nesting deeper than 5", limits);
  limits = kLimits;
  limits.max_string_bytes = 16;
  expect_invalid(R"({"messages":[{"role":"user","content":"01234567890123456789"}]})",
                 "messages[0].content", "longer than 16 bytes", limits);
}

TEST(ParseEmbeddingRequestTest, ParsesAndValidates) {
  auto one = parse_embedding_request(R"({"model":"nomic","input":"hello","user":"u"})", kLimits);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->model, "nomic");
  EXPECT_EQ(one->input, (std::vector<std::string>{"hello"}));
  EXPECT_EQ(one->extra.at("user").as_string(), "u");

  auto many = parse_embedding_request(
      R"({"input":["a","b"],"dimensions":256,"encoding_format":"base64"})", kLimits);
  ASSERT_TRUE(many) << many.error().message;
  EXPECT_EQ(many->input.size(), 2u);
  EXPECT_EQ(many->dimensions, 256);
  EXPECT_EQ(many->encoding_format, "base64");

  auto bad = [&](std::string_view body, std::string_view param) {
    auto r = parse_embedding_request(body, kLimits);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().param, param) << r.error().message;
  };
  bad(R"({"model":"m"})", "input");
  bad(R"({"input":[]})", "input");
  bad(R"({"input":[1,2,3]})", "input[0]");
  bad(R"({"input":"x","dimensions":0})", "dimensions");
  bad(R"({"input":"x","encoding_format":"int8"})", "encoding_format");
  bad(R"({"input":"x","model":[]})", "model");
}

TEST(ParseCompletionRequestTest, ParsesAndValidates) {
  auto r = parse_completion_request(
      R"({"model":"granite","prompt":"Once","max_tokens":10,"temperature":0.5,"echo":false,"stream":false})",
      kLimits);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "granite");
  EXPECT_EQ(r->prompt, (std::vector<std::string>{"Once"}));
  EXPECT_EQ(r->settings.max_tokens, 10);
  EXPECT_EQ(r->settings.temperature, 0.5);
  EXPECT_EQ(r->settings.extra.at("echo").as_bool(), false);
  EXPECT_FALSE(r->settings.extra.contains("stream"));

  auto bad = [&](std::string_view body, std::string_view param) {
    auto res = parse_completion_request(body, kLimits);
    ASSERT_FALSE(res) << body;
    EXPECT_EQ(res.error().param, param) << res.error().message;
  };
  bad(R"({"model":"m"})", "prompt");
  bad(R"({"prompt":["a",2]})", "prompt[1]");
  bad(R"({"prompt":"x","temperature":9})", "temperature");
  bad(R"({"prompt":"x","stream":true})", "stream");
  bad(R"({"prompt":"x","n":0})", "n");
  auto n = parse_completion_request(R"({"prompt":"x","n":3})", kLimits);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(requested_choices(n->settings), 3);
}

}  // namespace
}  // namespace roci::openai_wire
