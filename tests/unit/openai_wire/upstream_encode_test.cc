#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "openai_wire/upstream_codec.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;

json::object encode(const ProviderRequest& req, bool stream = false, UpstreamDialect dialect = {}) {
  return json::parse(encode_chat_request(req, stream, dialect)).as_object();
}

ProviderRequest hello() {
  ProviderRequest req;
  req.messages = {ModelMessage::system("Be terse."), ModelMessage::user("Hello")};
  req.model = "qwen2.5-7b-instruct";
  return req;
}

TEST(EncodeChatRequestTest, MinimalRequestHasOnlyWhatIsSet) {
  auto body = encode(hello());
  EXPECT_EQ(body.at("model").as_string(), "qwen2.5-7b-instruct");
  EXPECT_EQ(body.at("stream").as_bool(), false);
  EXPECT_FALSE(body.contains("stream_options"));
  for (const char* unset :
       {"max_tokens", "temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty",
        "stop", "seed", "tools", "tool_choice", "parallel_tool_calls", "response_format", "user"}) {
    EXPECT_FALSE(body.contains(unset)) << unset;
  }
  const auto& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], json::parse(R"({"role":"system","content":"Be terse."})"));
  EXPECT_EQ(messages[1], json::parse(R"({"role":"user","content":"Hello"})"));
}

// The encoder chooses no model: it writes request.model exactly, and nothing when it is empty
// (the provider defaults it before encoding).
TEST(EncodeChatRequestTest, WritesExactlyTheModelItIsGiven) {
  ProviderRequest named = hello();
  named.model = "lmstudio:qwen3:8b \"q4\"";
  EXPECT_EQ(encode(named).at("model").as_string(), "lmstudio:qwen3:8b \"q4\"");
  EXPECT_EQ(encode(named, true).at("model").as_string(), "lmstudio:qwen3:8b \"q4\"");
  ProviderRequest anonymous = hello();
  anonymous.model.clear();
  EXPECT_FALSE(encode(anonymous).contains("model"));
  EXPECT_FALSE(encode(anonymous, true).contains("model"));
}

TEST(EncodeChatRequestTest, StreamsAlwaysRequestUsage) {
  auto body = encode(hello(), true);
  EXPECT_EQ(body.at("stream").as_bool(), true);
  EXPECT_EQ(body.at("stream_options"), json::parse(R"({"include_usage":true})"));
  // An extra stream_options cannot switch it off...
  ProviderRequest req = hello();
  req.settings.extra["stream_options"] = json::parse(R"({"include_usage":false})");
  EXPECT_EQ(encode(req, true).at("stream_options").at("include_usage").as_bool(), true);
  // ...nor be sent without stream.
  EXPECT_FALSE(encode(req, false).contains("stream_options"));
}

TEST(EncodeChatRequestTest, EncodesEverySetting) {
  ProviderRequest req = hello();
  req.settings.max_tokens = 500;
  req.settings.temperature = 0.7;
  req.settings.top_p = 0.9;
  req.settings.top_k = 40;
  req.settings.frequency_penalty = 0.1;
  req.settings.presence_penalty = -0.1;
  req.settings.stop_sequences = std::vector<std::string>{"```", "END"};
  req.settings.seed = 42;
  req.session_id = "session-17";
  req.parallel_tool_calls = false;
  auto body = encode(req);
  EXPECT_EQ(body.at("max_tokens").as_int64(), 500);
  EXPECT_EQ(body.at("temperature").as_double(), 0.7);
  EXPECT_EQ(body.at("top_p").as_double(), 0.9);
  EXPECT_EQ(body.at("top_k").as_int64(), 40);
  EXPECT_EQ(body.at("frequency_penalty").as_double(), 0.1);
  EXPECT_EQ(body.at("presence_penalty").as_double(), -0.1);
  EXPECT_EQ(body.at("stop"), json::parse(R"(["```","END"])"));
  EXPECT_EQ(body.at("seed").as_int64(), 42);
  EXPECT_EQ(body.at("user").as_string(), "session-17");
  EXPECT_EQ(body.at("parallel_tool_calls").as_bool(), false);
  // Doubles are printed the way people write them.
  EXPECT_NE(encode_chat_request(req, false, {}).find("\"temperature\":0.7"), std::string::npos);
}

TEST(EncodeChatRequestTest, DeveloperBecomesSystemOnlyWhenTheDialectSaysSo) {
  ProviderRequest req;
  req.messages = {ModelMessage::developer("Rules."), ModelMessage::user("Hi")};
  EXPECT_EQ(encode(req).at("messages").at(0).at("role").as_string(), "developer");
  UpstreamDialect lmstudio{.json_object_as_schema = true, .developer_as_system = true};
  EXPECT_EQ(encode(req, false, lmstudio).at("messages").at(0).at("role").as_string(), "system");
}

TEST(EncodeChatRequestTest, EncodesPartsToolCallsAndToolResults) {
  ContentPart audio;
  audio.type = ContentPartType::kOther;
  audio.raw = json::parse(R"({"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}})")
                  .as_object();
  ProviderRequest req;
  ModelMessage user =
      ModelMessage::user({ContentPart::text_part("What is this?"),
                          ContentPart::image("data:image/png;base64,iVBORw0KGgo=", "low"),
                          ContentPart::image("https://example.com/cat.jpg"), audio});
  user.name = "alice";
  ModelMessage call = ModelMessage::assistant(
      std::vector<ToolCall>{{"365174485", "search_products", R"({"query":"dell"})"}});
  req.messages = {user, call, ModelMessage::tool("365174485", R"({"results":[]})")};
  auto messages = encode(req).at("messages").as_array();
  EXPECT_EQ(messages[0], json::parse(R"({"role":"user","content":[
      {"type":"text","text":"What is this?"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
      {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}},
      {"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}}],"name":"alice"})"));
  EXPECT_EQ(messages[1], json::parse(R"({"role":"assistant","content":null,"tool_calls":[
      {"id":"365174485","type":"function",
       "function":{"name":"search_products","arguments":"{\"query\":\"dell\"}"}}]})"));
  EXPECT_EQ(messages[2], json::parse(R"({"role":"tool","content":"{\"results\":[]}",
                                         "tool_call_id":"365174485"})"));
}

TEST(EncodeChatRequestTest, EncodesToolsAndToolChoice) {
  ProviderRequest req = hello();
  req.tools = std::vector<ToolDefinition>{
      {"get_weather", "Weather for a city",
       json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})"), true},
      {"now", "", nullptr, std::nullopt}};
  req.tool_choice = ToolChoice::function("get_weather");
  auto body = encode(req);
  EXPECT_EQ(body.at("tools"), json::parse(R"([
      {"type":"function","function":{"name":"get_weather","description":"Weather for a city",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}},
      {"type":"function","function":{"name":"now"}}])"));
  EXPECT_EQ(body.at("tool_choice"),
            json::parse(R"({"type":"function","function":{"name":"get_weather"}})"));
  for (auto [mode, text] :
       {std::pair{ToolChoice::Mode::kAuto, "auto"}, std::pair{ToolChoice::Mode::kNone, "none"},
        std::pair{ToolChoice::Mode::kRequired, "required"}}) {
    req.tool_choice = ToolChoice{mode, {}};
    EXPECT_EQ(encode(req).at("tool_choice").as_string(), text);
  }
}

TEST(EncodeChatRequestTest, ResponseFormats) {
  ProviderRequest req = hello();
  req.response_format = ResponseFormat{};
  EXPECT_EQ(encode(req).at("response_format"), json::parse(R"({"type":"text"})"));

  req.response_format = ResponseFormat::json_object();
  EXPECT_EQ(encode(req).at("response_format"), json::parse(R"({"type":"json_object"})"));
  // LM Studio rejects json_object: the dialect rewrites it into an equivalent schema.
  EXPECT_EQ(encode(req, false, {.json_object_as_schema = true}).at("response_format"),
            json::parse(R"({"type":"json_schema","json_schema":{"name":"json_object",
                            "strict":false,"schema":{"type":"object"}}})"));

  req.response_format = ResponseFormat::json_schema(
      "answer", json::parse(R"({"type":"object","properties":{"a":{"type":"integer"}}})"), true);
  EXPECT_EQ(encode(req, false, {.json_object_as_schema = true}).at("response_format"),
            json::parse(R"({"type":"json_schema","json_schema":{"name":"answer",
                "schema":{"type":"object","properties":{"a":{"type":"integer"}}},"strict":true}})"));
}

TEST(EncodeChatRequestTest, ExtraIsMergedWithoutOverridingTypedFieldsAndMockIsDropped) {
  ProviderRequest req = hello();
  req.settings.temperature = 0.2;
  req.settings.extra["ttl"] = 600;
  req.settings.extra["draft_model"] = "qwen2.5-0.5b-instruct";
  req.settings.extra["min_p"] = 0.05;
  req.settings.extra["temperature"] = 1.9;  // typed field wins
  req.settings.extra["model"] = "other";    // typed field wins
  req.settings.extra["messages"] = json::array();
  req.settings.extra["mock"] = json::parse(R"({"fail":"timeout"})");
  auto body = encode(req);
  EXPECT_EQ(body.at("ttl").as_int64(), 600);
  EXPECT_EQ(body.at("draft_model").as_string(), "qwen2.5-0.5b-instruct");
  EXPECT_EQ(body.at("min_p").as_double(), 0.05);
  EXPECT_EQ(body.at("temperature").as_double(), 0.2);
  EXPECT_EQ(body.at("model").as_string(), "qwen2.5-7b-instruct");
  EXPECT_EQ(body.at("messages").as_array().size(), 2u);
  EXPECT_FALSE(body.contains("mock"));

  // An extra key the typed settings leave unset is forwarded.
  ProviderRequest unset = hello();
  unset.settings.extra["top_k"] = 20;
  EXPECT_EQ(encode(unset).at("top_k").as_int64(), 20);
}

TEST(EncodeEmbeddingRequestTest, EncodesInputAndOptions) {
  EmbeddingRequest req;
  req.model = "text-embedding-nomic-embed-text-v1.5";
  req.input = {"hello"};
  auto one = json::parse(encode_embedding_request(req)).as_object();
  EXPECT_EQ(one,
            json::parse(R"({"model":"text-embedding-nomic-embed-text-v1.5","input":"hello"})"));

  req.input = {"a", "b"};
  req.dimensions = 256;
  req.encoding_format = "float";
  req.extra["mock"] = true;
  req.extra["user"] = "u1";
  req.extra["input"] = "ignored";
  auto many = json::parse(encode_embedding_request(req)).as_object();
  EXPECT_EQ(
      many,
      json::parse(
          R"({"model":"text-embedding-nomic-embed-text-v1.5","input":["a","b"],"dimensions":256,
                                  "encoding_format":"float","user":"u1"})"));
}

TEST(EncodeCompletionRequestTest, EncodesPromptSettingsAndExtra) {
  CompletionRequest req;
  req.model = "granite-3.0-2b-instruct";
  req.prompt = {"The meaning of life is"};
  req.settings.max_tokens = 10;
  req.settings.stop_sequences = std::vector<std::string>{"\n"};
  req.settings.extra["echo"] = false;
  req.settings.extra["mock"] = 1;
  auto body = json::parse(encode_completion_request(req)).as_object();
  EXPECT_EQ(body, json::parse(R"({"model":"granite-3.0-2b-instruct",
      "prompt":"The meaning of life is","stream":false,"max_tokens":10,"stop":["\n"],
      "echo":false})"));
}

}  // namespace
}  // namespace roci::openai_wire
