// classify_upstream_error / detect_error_body over inline bodies and statuses; fixtures_test.cc
// covers the recorded error fixtures.
#include <gtest/gtest.h>

#include "openai_wire/upstream_codec.h"

namespace roci::openai_wire {
namespace {

constexpr std::string_view kLms = "LM Studio";

TEST(ClassifyUpstreamErrorTest, ModelNotFoundListsTheAvailableModels) {
  const std::string body =
      R"({"error":{"message":"Model \"default\" not found. Please specify a valid model.\n\nYour models:\n\ngemma-3-27b-it-qat\nqwen2.5-7b-instruct","type":"invalid_request_error","param":"model","code":"model_not_found"}})";
  Error e = classify_upstream_error(404, body, kLms);
  EXPECT_EQ(e.kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(e.message,
            "LM Studio returned 404: Model \"default\" not found. Please specify a valid model.");
  EXPECT_EQ(e.available_models,
            (std::vector<std::string>{"gemma-3-27b-it-qat", "qwen2.5-7b-instruct"}));
  EXPECT_EQ(e.param, "model");
  EXPECT_EQ(e.code, "model_not_found");
  EXPECT_EQ(e.upstream_status, 404);
}

TEST(ClassifyUpstreamErrorTest, StatusTable) {
  struct Case {
    int status;
    std::string_view body;
    ErrorKind kind;
  };
  const Case cases[] = {
      {400, R"({"error":"bad things"})", ErrorKind::kInvalidRequest},
      {422, R"({"detail":"field required"})", ErrorKind::kInvalidRequest},
      {413, "Payload Too Large", ErrorKind::kInvalidRequest},
      {401, R"({"error":{"message":"no key","type":"authentication_error"}})",
       ErrorKind::kUpstreamError},
      {403, R"({"error":"forbidden"})", ErrorKind::kUpstreamError},
      {404, R"({"error":"Model \"x\" not found."})", ErrorKind::kModelNotFound},
      {408, "timeout", ErrorKind::kTimeout},
      {429, R"({"error":{"message":"slow down","type":"rate_limit_error"}})",
       ErrorKind::kRateLimited},
      {500, R"({"error":{"code":500,"message":"boom","type":"server_error"}})",
       ErrorKind::kUpstreamError},
      {503, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})",
       ErrorKind::kUpstreamError},
      {502, "<html><body>Bad Gateway</body></html>", ErrorKind::kUpstreamError},
      {200, R"({"error":"something odd"})", ErrorKind::kUpstreamError},
  };
  for (const auto& c : cases) {
    Error e = classify_upstream_error(c.status, c.body, kLms);
    EXPECT_EQ(e.kind, c.kind) << c.status << " " << c.body << " -> " << e.message;
    EXPECT_EQ(e.upstream_status, c.status);
    EXPECT_TRUE(e.message.starts_with("LM Studio returned " + std::to_string(c.status)))
        << e.message;
  }
}

TEST(ClassifyUpstreamErrorTest, NamesTheUpstreamAndKeepsTheMessage) {
  Error e = classify_upstream_error(
      500, R"({"error":{"code":500,"message":"Compute error.","type":"server_error"}})",
      "llama.cpp");
  EXPECT_EQ(e.message, "llama.cpp returned 500: Compute error.");
}

TEST(ClassifyUpstreamErrorTest, NonJsonBodiesAreQuotedTruncated) {
  std::string html = "<html><head><title>502 Bad Gateway</title></head><body>";
  html += std::string(1000, 'x') + "</body></html>";
  Error e = classify_upstream_error(502, html, kLms);
  EXPECT_EQ(e.kind, ErrorKind::kUpstreamError);
  EXPECT_NE(e.message.find("<title>502 Bad Gateway</title>"), std::string::npos);
  EXPECT_LT(e.message.size(), 260u);
  EXPECT_TRUE(e.message.ends_with("..."));

  Error empty = classify_upstream_error(500, "", kLms);
  EXPECT_EQ(empty.message, "LM Studio returned 500: (empty body)");
}

TEST(ClassifyUpstreamErrorTest, UnknownRoutesAreConfigurationProblems) {
  for (
      auto [status, body] :
      {std::pair{200, R"j({"error":"Unexpected endpoint or method. (POST /x)"})j"},
       std::pair{404,
                 R"({"error":{"code":404,"message":"File Not Found","type":"not_found_error"}})"},
       std::pair{
           404,
           R"j({"error":{"message":"Invalid URL (POST /v1/chat/completionz)","type":"invalid_request_error","param":null,"code":null}})j"}}) {
    Error e = classify_upstream_error(status, body, kLms);
    EXPECT_EQ(e.kind, ErrorKind::kUpstreamError) << body;
    EXPECT_EQ(e.code, "upstream_endpoint_not_found");
  }
}

TEST(ClassifyUpstreamErrorTest, ContextOverflowIsTheClientsRequest) {
  for (
      std::string_view body :
      {R"({"error":"Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough."})",
       R"({"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})"}) {
    Error e = classify_upstream_error(400, body, kLms);
    EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest);
    EXPECT_EQ(e.code, "context_length_exceeded");
    EXPECT_EQ(e.param, "messages");
  }
}

TEST(ClassifyUpstreamErrorTest, JitLoadFailureIsAnUpstreamProblem) {
  Error e = classify_upstream_error(
      400, R"({"error":"Failed to load model \"gpt-oss-20b\". Error: Error loading model."})",
      kLms);
  EXPECT_EQ(e.kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(e.code, "model_load_failed");
}

TEST(DetectErrorBodyTest, OnlyTopLevelStringOrObjectErrors) {
  EXPECT_TRUE(detect_error_body(200, R"({"error":"x"})", kLms));
  EXPECT_TRUE(detect_error_body(200, R"({"error":{"message":"x"}})", kLms));
  EXPECT_TRUE(detect_error_body(
      200,
      R"({"type":"error","error":{"type":"invalid_request","message":"\"model\" is required","code":"missing_required_parameter","param":"model"}})",
      kLms));
  EXPECT_FALSE(detect_error_body(200, R"({"error":null})", kLms));
  EXPECT_FALSE(detect_error_body(200, R"({"error":false})", kLms));
  EXPECT_FALSE(
      detect_error_body(200, R"({"choices":[{"message":{"content":"the \"error\" was"}}]})", kLms));
  EXPECT_FALSE(detect_error_body(200, "not json \"error\"", kLms));
  EXPECT_FALSE(detect_error_body(200, R"(["error"])", kLms));
}

TEST(DetectErrorBodyTest, V1EnvelopeKeepsParamAndCode) {
  auto e = detect_error_body(
      400,
      R"({"type":"error","error":{"type":"invalid_request","message":"\"model\" is required","code":"missing_required_parameter","param":"model"}})",
      kLms);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(e->param, "model");
  EXPECT_EQ(e->code, "missing_required_parameter");
}

}  // namespace
}  // namespace roci::openai_wire
