// The request fast path (request_fast_path.h) against the full strict parser, and the client body
// it keeps forwarded with edits (client_body.h, encode_chat_request): same requests, same meaning.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "openai_wire/client_body.h"
#include "openai_wire/downstream_codec.h"
#include "openai_wire/request_fast_path.h"
#include "openai_wire/upstream_codec.h"
#include "test_util.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;

// The fast path's request, or nullopt when it declines.
std::optional<ParsedChatRequest> fast_parse(std::string_view body, const RequestLimits& limits) {
  ParsedChatRequest out;
  if (!detail::fast_parse_chat_request(body, limits, out)) return std::nullopt;
  return out;
}

std::string read_bench_body(const std::string& name) {
  const auto path =
      testing::fixtures_dir().parent_path().parent_path().parent_path() / "bench" / "load" / name;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Equal JSON meaning: the same members in any order, numbers equal as numbers (1 and 1.0).
bool same_meaning(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const auto* other = y.if_contains(kv.key());
      if (other == nullptr || !same_meaning(kv.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!same_meaning(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

void expect_same_request(const ParsedChatRequest& fast, const ParsedChatRequest& full) {
  EXPECT_EQ(fast.stream, full.stream);
  EXPECT_EQ(fast.include_usage, full.include_usage);
  const ProviderRequest& a = fast.request;
  const ProviderRequest& b = full.request;
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.messages, b.messages);
  EXPECT_EQ(a.settings, b.settings);
  EXPECT_EQ(a.tool_choice, b.tool_choice);
  EXPECT_EQ(a.parallel_tool_calls, b.parallel_tool_calls);
  EXPECT_EQ(a.session_id, b.session_id);
  EXPECT_FALSE(b.client_body);
  ASSERT_TRUE(a.client_body);
}

// Bodies the fast path must take, each agreeing with the full parser.
std::vector<std::string> common_bodies() {
  std::vector<std::string> out = {
      read_bench_body("chat_request.json"),
      read_bench_body("chat_stream_request.json"),
      R"({"model":"m","messages":[{"role":"user","content":"hi"}]})",
      R"({"messages":[{"role":"user","content":"hi"}]})",
      R"( { "messages" : [ { "content" : "x" , "role" : "system" } ] , "model" : "a/b" } )",
      R"({"model":"m","messages":[{"role":"developer","content":"rules"},)"
      R"({"role":"user","content":"q","name":"ann"},{"role":"assistant","content":null},)"
      R"({"role":"tool","content":"42","tool_call_id":"call_1"}],"stream":true,)"
      R"("stream_options":{"include_usage":false},"temperature":0,"top_p":1,"top_k":40,)"
      R"("seed":-7,"frequency_penalty":-1.5,"presence_penalty":2e0,"stop":["\n","END"],"n":3,)"
      R"("user":"u-1","tool_choice":"none","parallel_tool_calls":false,"max_tokens":-1})",
      R"({"model":"caf\u00e9 \ud83d\ude00","messages":[{"role":"user","content":"a\"b\\c\/d\b\f\n\r\t\u0000é😀"}]})",
      R"({"model":"m","messages":[{"role":"user","content":""}],"stream":true,"stream_options":{}})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.333333333333333})",
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1.25E-1,"top_p":0.000001})",
  };
  // Long strings: the SIMD scan with specials at every position of a 16-byte block.
  for (int pos = 0; pos < 40; ++pos) {
    std::string content(40, 'a');
    content.insert(static_cast<std::size_t>(pos),
                   pos % 3 == 0 ? "\\n" : (pos % 3 == 1 ? "é" : "\\\""));
    out.push_back(R"({"model":"m","messages":[{"role":"user","content":")" + content + R"("}]})");
  }
  return out;
}

TEST(RequestFastPathTest, TakesTheCommonShapesAndAgreesWithTheFullParser) {
  for (const std::string& body : common_bodies()) {
    SCOPED_TRACE(body);
    auto fast = fast_parse(body, RequestLimits{});
    ASSERT_TRUE(fast.has_value());
    auto full = detail::full_parse_chat_request(body, RequestLimits{});
    ASSERT_TRUE(full.has_value()) << full.error().message;
    expect_same_request(*fast, *full);
  }
}

// Everything else goes to the full parser, which keeps its precise messages.
TEST(RequestFastPathTest, DeclinesWhatItDoesNotKnowOrWhatIsWrong) {
  const std::vector<std::string> bodies = {
      "",
      "   ",
      "[]",
      "{}",
      R"({"model":"m"})",
      R"({"messages":[]})",
      R"({"messages":[{"role":"user","content":"x"}]} x)",
      R"({"messages":[{"role":"user","content":"x"}],"messages":[{"role":"user","content":"x"}]})",
      R"({"messages":[{"role":"user","role":"user","content":"x"}]})",
      R"({"messages":[{"role":"robot","content":"x"}]})",
      R"({"messages":[{"role":"user"}]})",
      R"({"messages":[{"role":"user","content":null}]})",
      R"({"messages":[{"role":"assistant"}]})",
      R"({"messages":[{"role":"tool","content":"x"}]})",
      R"({"messages":[{"role":"user","content":"x","name":""}]})",
      R"({"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]})",
      R"({"messages":[{"role":"assistant","content":"x","refusal":null}]})",
      R"({"messages":[{"role":"user","content":"x"}],"model":null})",
      R"({"messages":[{"role":"user","content":"x"}],"temperature":null})",
      R"({"messages":[{"role":"user","content":"x"}],"temperature":3})",
      R"({"messages":[{"role":"user","content":"x"}],"max_tokens":256.0})",
      R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})",
      R"({"messages":[{"role":"user","content":"x"}],"max_completion_tokens":5})",
      R"({"messages":[{"role":"user","content":"x"}],"n":1})",
      R"({"messages":[{"role":"user","content":"x"}],"stop":"x"})",
      R"({"messages":[{"role":"user","content":"x"}],"stop":[]})",
      R"({"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}})",
      R"({"messages":[{"role":"user","content":"x"}],"tools":[]})",
      R"({"messages":[{"role":"user","content":"x"}],"min_p":0.1})",
      R"({"messages":[{"role":"user","content":"x"}],"temperature":0.1234567890123456})",
      R"({"messages":[{"role":"user","content":"x"}],"seed":12345678901234567890})",
      R"({"messages":[{"role":"user","content":"x"}],"top_p":01})",
      R"({"messages":[{"role":"user","content":"x"}],"top_p":1.})",
      R"({"messages":[{"role":"user","content":"x\u00"}]})",
      R"({"messages":[{"role":"user","content":"\udc00"}]})",
      R"({"messages":[{"role":"user","content":"\ud800x"}]})",
      "{\"messages\":[{\"role\":\"user\",\"content\":\"a\tb\"}]}",
      "{\"messages\":[{\"role\":\"user\",\"content\":\"\xC0\xAF\"}]}",
      "{\"messages\":[{\"role\":\"user\",\"content\":\"\xED\xA0\x80\"}]}",
      R"({"m\u0065ssages":[{"role":"user","content":"x"}]})",
      R"({"messages":[{"role":"user","content":"x"}])",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(fast_parse(body, RequestLimits{}).has_value());
  }
}

TEST(RequestFastPathTest, LimitsSendBodiesToTheFullParser) {
  const std::string body =
      R"({"messages":[{"role":"user","content":"abcdef"},{"role":"user","content":"x"}],"stop":["a","b"]})";
  RequestLimits limits;
  ASSERT_TRUE(fast_parse(body, limits));
  limits.max_messages = 1;
  EXPECT_FALSE(fast_parse(body, limits));
  limits = {};
  limits.max_string_bytes = 5;
  EXPECT_FALSE(fast_parse(body, limits));
  limits = {};
  limits.max_stop_sequences = 1;
  EXPECT_FALSE(fast_parse(body, limits));
  limits = {};
  limits.max_depth = 3;
  EXPECT_FALSE(fast_parse(body, limits));
  // ... where the full parser's errors are what they were.
  limits = {};
  limits.max_messages = 1;
  auto full = parse_chat_request(body, limits);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().param, "messages");
}

// parse_chat_request_into answers as parse_chat_request does, into the caller's own objects: the
// fast path's shape, a body only the full parser takes (tools), and an error.
TEST(ParseChatRequestIntoTest, FillsTheCallersObjectsAsParseChatRequestAnswers) {
  const std::string bodies[] = {
      R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true,)"
      R"("stream_options":{"include_usage":true},"temperature":0.5})",
      // tools first: the fast path declines before it reads stream or stream_options
      R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function",)"
      R"("function":{"name":"f","parameters":{"type":"object"}}}],"stream":true,)"
      R"("stream_options":{"include_usage":true}})",
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE(body);
    auto expected = parse_chat_request(body, RequestLimits{});
    ASSERT_TRUE(expected.has_value());
    ProviderRequest request;
    bool stream = false;
    bool include_usage = false;
    EXPECT_EQ(parse_chat_request_into(body, RequestLimits{}, {request, stream, include_usage}),
              std::nullopt);
    EXPECT_TRUE(stream);
    EXPECT_TRUE(include_usage);
    EXPECT_EQ(request.model, expected->request.model);
    EXPECT_EQ(request.messages, expected->request.messages);
    EXPECT_EQ(request.settings, expected->request.settings);
    EXPECT_EQ(request.tools.has_value(), expected->request.tools.has_value());
    EXPECT_EQ(request.client_body != nullptr, expected->request.client_body != nullptr);
  }
  EXPECT_TRUE(fast_parse(bodies[0], RequestLimits{}));
  EXPECT_FALSE(fast_parse(bodies[1], RequestLimits{}));  // so the second took the full parse

  ProviderRequest request;
  bool stream = false;
  bool include_usage = false;
  const auto error = parse_chat_request_into(R"({"model":"m","messages":[],"top_p":2})",
                                             RequestLimits{}, {request, stream, include_usage});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(error->param,
            parse_chat_request(R"({"model":"m","messages":[],"top_p":2})", RequestLimits{})
                .error()
                .param);
}

// ---- the client body forwarded ----

ParsedChatRequest parse_kept(const std::string& body) {
  auto parsed = parse_chat_request(body, RequestLimits{});
  EXPECT_TRUE(parsed.has_value());
  std::string copy = body;
  keep_client_body(parsed->request, std::move(copy));
  return std::move(*parsed);
}

std::string typed(ProviderRequest request, bool stream, const UpstreamDialect& dialect) {
  request.client_body.reset();
  return encode_chat_request(request, stream, dialect);
}

TEST(ClientBodySpliceTest, ForwardsTheClientBytesWhenNothingChanges) {
  const std::string body = read_bench_body("chat_request.json");
  auto parsed = parse_kept(body);
  std::string spliced =
      encode_chat_request(std::move(parsed.request), false, UpstreamDialect{true, true});
  // The body itself, numbers as the client wrote them ("0.95" stays "0.95").
  std::string expected = body;
  while (!expected.empty() && (expected.back() == '\n' || expected.back() == ' '))
    expected.pop_back();
  EXPECT_EQ(spliced.substr(0, expected.size()), expected);
  EXPECT_TRUE(parsed.request.client_body == nullptr);  // taken, not copied
}

TEST(ClientBodySpliceTest, SameMeaningAsTheTypedEncodingForEveryCommonShape) {
  for (const std::string& body : common_bodies()) {
    for (bool stream : {false, true}) {
      for (bool lmstudio : {false, true}) {
        for (int variant = 0; variant < 4; ++variant) {
          SCOPED_TRACE(body + (stream ? " stream" : "") + (lmstudio ? " lmstudio" : "") +
                       " variant " + std::to_string(variant));
          auto parsed = parse_kept(body);
          ProviderRequest& req = parsed.request;
          if (variant & 1) req.model = "resolved/" + req.model + "-\"q\"\\";  // the model rewrite
          if (variant & 2) {                                                  // the defaults
            if (!req.settings.max_tokens) req.settings.max_tokens = 100;
            if (!req.settings.temperature) req.settings.temperature = 0.7;
          }
          const UpstreamDialect dialect{lmstudio, lmstudio};
          const std::string expected = typed(req, stream, dialect);
          const std::string copied = encode_chat_request(req, stream, dialect);
          const std::string taken = encode_chat_request(std::move(req), stream, dialect);
          EXPECT_EQ(copied, taken);
          const auto a = json::parse(expected);
          const auto b = json::parse(taken);
          EXPECT_TRUE(same_meaning(a, b)) << "typed:   " << expected << "\nspliced: " << taken;
        }
      }
    }
  }
}

TEST(ClientBodySpliceTest, SpliceIsUsedOnlyWhileTheFieldsSayWhatTheBodySays) {
  const std::string body =
      R"({"model":"m","messages":[{"role":"developer","content":"rules"},{"role":"user","content":"hi"}],"temperature":0.50})";
  auto forwarded = [&](auto edit, UpstreamDialect dialect = {}) {
    auto parsed = parse_kept(body);
    edit(parsed.request);
    return detail::can_splice(parsed.request, false, dialect);
  };
  EXPECT_TRUE(forwarded([](ProviderRequest&) {}));
  EXPECT_TRUE(forwarded([](ProviderRequest& r) { r.model = "other"; }));
  EXPECT_TRUE(forwarded([](ProviderRequest& r) { r.settings.max_tokens = 100; }));
  // LM Studio has no developer role: the typed encoder rewrites it.
  EXPECT_FALSE(forwarded([](ProviderRequest&) {}, UpstreamDialect{true, true}));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.settings.temperature = 0.6; }));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.messages.pop_back(); }));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.messages[1].content += "!"; }));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.messages[1].role = Role::kSystem; }));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.settings.extra["ttl"] = 5; }));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.settings.stop_sequences = {{"x"}}; }));
  EXPECT_FALSE(
      forwarded([](ProviderRequest& r) { r.response_format = ResponseFormat::json_object(); }));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.tool_choice = ToolChoice::function("f"); }));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.session_id = "u"; }));
  EXPECT_FALSE(forwarded([](ProviderRequest& r) { r.model.clear(); }));
  // Without its text (never kept, or taken by an earlier encode) the request is encoded.
  auto parsed = parse_chat_request(body, RequestLimits{});
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(detail::can_splice(parsed->request, false, {}));
  std::string other = body + " ";
  keep_client_body(parsed->request, std::move(other));  // not the parsed bytes: ignored
  EXPECT_FALSE(detail::can_splice(parsed->request, false, {}));
}

TEST(ClientBodySpliceTest, CopiesOfTheRequestShareTheBodyAndEachCanSendIt) {
  auto parsed = parse_kept(read_bench_body("chat_stream_request.json"));
  ProviderRequest copy = parsed.request;  // a fleet's attempt
  copy.model = "backend-model";
  const std::string first = encode_chat_request(std::move(copy), true, {});
  const std::string second = encode_chat_request(std::move(parsed.request), true, {});
  EXPECT_EQ(json::parse(first).at("model"), "backend-model");
  EXPECT_EQ(json::parse(second).at("model"), "llama3.3");
  EXPECT_EQ(json::parse(second).at("stream_options"), json::parse(R"({"include_usage":true})"));
}

}  // namespace
}  // namespace roci::openai_wire
