// generate_object (roci/sdk/object.h): how JSON is asked for, validation, typed errors, repair.
#include <roci/provider/mock_provider.h>
#include <roci/sdk/object.h>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "scripted_provider.h"

namespace roci {
namespace {

namespace json = boost::json;
using testing::ScriptedProvider;

struct Person {
  std::string name;
  int age = 0;
  static json::value json_schema() {
    return json::parse(R"({"type":"object","required":["name","age"],
        "properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}}})");
  }
};

Person tag_invoke(json::value_to_tag<Person>, const json::value& v) {
  return {std::string(v.at("name").as_string()), static_cast<int>(v.at("age").as_int64())};
}

std::vector<ModelMessage> ada() { return {ModelMessage::user("Ada Lovelace, 36, mathematician")}; }

TEST(GenerateObject, ReturnsTheValidatedObjectAsTheUsersType) {
  MockProvider provider;  // json_schema capability: answers generate_instance(schema)
  auto person = generate_object<Person>(provider, ada());
  ASSERT_TRUE(person) << person.error();
  EXPECT_EQ(person->object.name, "example");
  EXPECT_EQ(person->object.age, 0);
  EXPECT_EQ(person->attempts, 1);
  EXPECT_EQ(person->response.model, "mock-model");

  ProviderRequest request;
  request.messages = ada();
  auto value = generate_object(provider, request, Person::json_schema());
  ASSERT_TRUE(value) << value.error();
  EXPECT_TRUE(value->object.as_object().contains("name"));
}

TEST(GenerateObject, AsksForTheSchemaAsTheModelSupportsIt) {
  ScriptedProvider schema_model;
  ASSERT_TRUE(generate_object<Person>(schema_model, ada()));
  const auto& sent = schema_model.requests.at(0);
  ASSERT_TRUE(sent.response_format);
  EXPECT_EQ(sent.response_format->type, ResponseFormat::Type::kJsonSchema);
  EXPECT_EQ(sent.response_format->schema, Person::json_schema());
  EXPECT_EQ(sent.messages.size(), 1u);

  ScriptedProvider json_mode;
  json_mode.caps = Capabilities{.json_mode = true, .system_messages = true};
  json_mode.answers.push_back(ScriptedProvider::text(R"({"name":"Ada","age":36})", "mock-model"));
  auto got = generate_object<Person>(json_mode, ada());
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->object.name, "Ada");
  const auto& asked = json_mode.requests.at(0);
  ASSERT_TRUE(asked.response_format);
  EXPECT_EQ(asked.response_format->type, ResponseFormat::Type::kJsonObject);
  ASSERT_EQ(asked.messages.size(), 2u);
  EXPECT_EQ(asked.messages[0].role, Role::kSystem);
  EXPECT_NE(asked.messages[0].content.find(json::serialize(Person::json_schema())),
            std::string::npos);

  ScriptedProvider plain;  // neither: the schema in the prompt only; a fenced answer is read
  plain.caps = Capabilities{};
  plain.answers.push_back(
      ScriptedProvider::text("```json\n{\"name\":\"Ada\",\"age\":36}\n```", "mock-model"));
  auto fenced = generate_object<Person>(plain, ada());
  ASSERT_TRUE(fenced) << fenced.error();
  EXPECT_FALSE(plain.requests.at(0).response_format);
  EXPECT_EQ(fenced->object.age, 36);
}

TEST(GenerateObject, TruncatedJsonNamesFinishReasonLength) {
  MockProvider provider;
  ProviderRequest request;
  request.messages = ada();
  request.settings.max_tokens = 3;  // the mock cuts its JSON: 4 bytes per token
  auto got = generate_object<Person>(provider, request);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(got.error().code, "output_truncated");
  EXPECT_NE(got.error().message.find("finish_reason length"), std::string::npos);
  EXPECT_NE(got.error().message.find("raise max_tokens"), std::string::npos);
  EXPECT_EQ(got.error().model_output.size(), 12u);
  EXPECT_NE(got.error().message.find(got.error().model_output), std::string::npos);
}

TEST(GenerateObject, InvalidJsonAndMismatchesAreTypedErrorsWithTheText) {
  ScriptedProvider provider;
  provider.answers.push_back(ScriptedProvider::text("Sure! Here it is", "mock-model"));
  auto bad = generate_object<Person>(provider, ada());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "invalid_json");
  EXPECT_EQ(bad.error().model_output, "Sure! Here it is");

  provider.answers.push_back(ScriptedProvider::text(R"({"name":"Ada","age":-3})", "mock-model"));
  auto wrong = generate_object<Person>(provider, ada());
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "schema_mismatch");
  EXPECT_NE(wrong.error().message.find("$.age"), std::string::npos) << wrong.error().message;
  EXPECT_EQ(wrong.error().model_output, R"({"name":"Ada","age":-3})");
}

TEST(GenerateObject, TheRepairRoundAsksOnceMoreWithWhatWasWrong) {
  ScriptedProvider provider;
  provider.answers.push_back(ScriptedProvider::text(R"({"name":"Ada"})", "mock-model"));
  provider.answers.push_back(ScriptedProvider::text(R"({"name":"Ada","age":36})", "mock-model"));
  auto got = generate_object<Person>(provider, ada(), ObjectOptions{.repair = true});
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->attempts, 2);
  EXPECT_EQ(got->object.age, 36);
  EXPECT_EQ(got->usage.total_tokens, 30);
  const auto& retry = provider.requests.at(1).messages;
  ASSERT_EQ(retry.size(), 3u);
  EXPECT_EQ(retry[1].content, R"({"name":"Ada"})");
  EXPECT_NE(retry[2].content.find("$.age: required property is missing"), std::string::npos)
      << retry[2].content;

  // Once only: a second bad answer is the error.
  provider.answers.push_back(ScriptedProvider::text("no", "mock-model"));
  provider.answers.push_back(ScriptedProvider::text("still no", "mock-model"));
  auto twice = generate_object<Person>(provider, ada(), ObjectOptions{.repair = true});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().model_output, "still no");
}

}  // namespace
}  // namespace roci
