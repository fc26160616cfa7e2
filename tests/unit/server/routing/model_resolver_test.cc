// Model resolution rules (model_resolver.h), each against a fixed model list.
#include "server/routing/model_resolver.h"

#include "unit/server/handler_test_util.h"

#include <gtest/gtest.h>

namespace roci::server {
namespace {

using testing::model;

const std::string kMistral = "TheBloke/Mistral-7B-Instruct-v0.2-GGUF";
const std::string kLlama = "TheBloke/Llama-2-7B-Chat-GGUF";
const std::string kEmbed = "text-embedding-nomic-embed-text-v1.5";

std::vector<ModelInfo> catalog() {
  return {model(kEmbed, "loaded", "embeddings"),
          model(kMistral, "not-loaded", "llm"),
          model(kLlama, "loaded", "llm"),
          model("qwen3:8b", "not-loaded", "llm"),
          model("gemma-3-1b-it-qat", "loaded", "llm"),
          model("gemma-3-1b-it-qat:2", "loaded", "llm")};
}

ResolverOptions opts(std::string_view default_model = "",
                     std::span<const std::string> allowed = {}) {
  return ResolverOptions{.provider_name = "lmstudio",
                         .is_primary = true,
                         .default_model = default_model,
                         .fallback_model = "local-model",
                         .allowed_models = allowed};
}

// resolve_model run to completion on `ioc` (restarted first, so it may be called again).
Result<ResolvedModel> resolve_on(asio::io_context& ioc, std::string selector,
                                 const config::InferenceSection& inference, ProviderSet& providers,
                                 ModelCatalog& catalog) {
  std::optional<Result<ResolvedModel>> out;
  ioc.restart();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        out = co_await resolve_model(std::move(selector), ModelPurpose::kChat, inference, providers,
                                     catalog);
      },
      asio::detached);
  ioc.run();
  if (!out) return Error::internal("resolve_model did not complete");
  return std::move(*out);
}

std::string resolve_ok(std::string_view requested, const ResolverOptions& o,
                       const std::vector<ModelInfo>* list) {
  auto r = resolve_model_id(requested, list, o);
  EXPECT_TRUE(r) << requested << ": " << (r ? "" : r.error().message);
  return r ? *r : std::string();
}

TEST(SplitSelector, KnownPrefixRoutesAndSplitsOnFirstColon) {
  const ProviderRegistry registry{RociConfig{}};
  auto s = split_selector("lmstudio:qwen3:8b", registry);
  EXPECT_EQ(s.provider, "lmstudio");
  EXPECT_EQ(s.model, "qwen3:8b");
  EXPECT_EQ(split_selector("mock:anything", registry).provider, "mock");
  EXPECT_EQ(split_selector("openai:gpt-4o-mini", registry).model, "gpt-4o-mini");
  EXPECT_EQ(split_selector("llamacpp:qwen2.5-7b", registry).provider, "llamacpp");
}

TEST(SplitSelector, UnknownPrefixIsPartOfTheModelId) {
  const ProviderRegistry registry{RociConfig{}};
  for (std::string_view id : {"qwen3:8b", "gemma:2", "llama3", "foo:bar:baz"}) {
    auto s = split_selector(id, registry);
    EXPECT_TRUE(s.provider.empty()) << id;
    EXPECT_EQ(s.model, id);
  }
}

TEST(ResolveModelId, ExactIdWins) {
  auto list = catalog();
  EXPECT_EQ(resolve_ok(kMistral, opts(), &list), kMistral);
  EXPECT_EQ(resolve_ok("qwen3:8b", opts(), &list), "qwen3:8b");
  EXPECT_EQ(resolve_ok("gemma-3-1b-it-qat:2", opts(), &list), "gemma-3-1b-it-qat:2");
}

TEST(ResolveModelId, UniqueCaseInsensitiveSubstring) {
  auto list = catalog();
  EXPECT_EQ(resolve_ok("mistral", opts(), &list), kMistral);
  EXPECT_EQ(resolve_ok("LLAMA-2", opts(), &list), kLlama);
  EXPECT_EQ(resolve_ok("qwen3", opts(), &list), "qwen3:8b");
}

TEST(ResolveModelId, NumberedInstancesCountAsOneModel) {
  auto list = catalog();
  EXPECT_EQ(resolve_ok("gemma", opts(), &list), "gemma-3-1b-it-qat");
}

TEST(ResolveModelId, AmbiguousSubstringListsTheMatches) {
  auto list = catalog();
  auto r = resolve_model_id("thebloke", &list, opts());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(r.error().message, "Model \"thebloke\" is ambiguous: it matches " + kMistral + ", " +
                                   kLlama + ". Use the full id.");
  EXPECT_EQ(r.error().available_models.size(), list.size());
}

TEST(ResolveModelId, NoMatchListsTheAvailableIds) {
  auto list = catalog();
  auto r = resolve_model_id("phi-3", &list, opts());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(r.error().param, "model");
  EXPECT_NE(r.error().message.find("Model \"phi-3\" not found. Available models: " + kEmbed),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().available_models, model_ids(list));
}

TEST(ResolveModelId, EmptyListIsNotFoundWithAHint) {
  std::vector<ModelInfo> none;
  auto r = resolve_model_id("llama", &none, opts());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
  EXPECT_NE(r.error().message.find("lists no models"), std::string::npos);
}

TEST(ResolveModelId, DefaultModelThatIsAnAvailableIdIsUsed) {
  auto list = catalog();
  EXPECT_EQ(resolve_ok("", opts(kMistral), &list), kMistral);
  EXPECT_EQ(resolve_ok(kMistral, opts(kMistral), &list), kMistral);
  // A unique substring default resolves like a request would.
  EXPECT_EQ(resolve_ok("", opts("mistral"), &list), kMistral);
  EXPECT_EQ(resolve_ok("mistral", opts("mistral"), &list), kMistral);
}

TEST(ResolveModelId, DefaultModelAliasMeansTheLoadedModel) {
  auto list = catalog();
  // "local-model" is not an id: the first loaded chat model (the embedding model is skipped).
  EXPECT_EQ(resolve_ok("", opts("local-model"), &list), kLlama);
  EXPECT_EQ(resolve_ok("local-model", opts("local-model"), &list), kLlama);
  // No default configured at all: same rule.
  EXPECT_EQ(resolve_ok("", opts(), &list), kLlama);
}

TEST(ResolveModelId, DefaultAliasFallsBackToFirstListedThenAsIs) {
  std::vector<ModelInfo> unloaded{model("a-model", "not-loaded"), model("b-model", "not-loaded")};
  EXPECT_EQ(resolve_ok("", opts("local-model"), &unloaded), "a-model");
  std::vector<ModelInfo> stateless{model("x"), model("y")};
  EXPECT_EQ(resolve_ok("local-model", opts("local-model"), &stateless), "x");
  std::vector<ModelInfo> none;
  EXPECT_EQ(resolve_ok("", opts("local-model"), &none), "local-model");
  EXPECT_EQ(resolve_ok("", opts(), &none), "local-model");  // the provider's own model
}

TEST(ResolveModelId, EmbeddingPurposePrefersEmbeddingModels) {
  auto list = catalog();
  auto o = opts("local-model");
  o.purpose = ModelPurpose::kEmbedding;
  EXPECT_EQ(resolve_ok("", o, &list), kEmbed);
}

TEST(ResolveModelId, AllowedModelsRestrictMatching) {
  auto list = catalog();
  const std::vector<std::string> allowed{kMistral, "gemma-3-1b-it-qat"};
  // "thebloke" is ambiguous over everything but unique over the allowed ids.
  EXPECT_EQ(resolve_ok("thebloke", opts("", allowed), &list), kMistral);
  EXPECT_EQ(resolve_ok("gemma", opts("", allowed), &list), "gemma-3-1b-it-qat");
  // A numbered instance of an allowed model is allowed.
  EXPECT_EQ(resolve_ok("gemma-3-1b-it-qat:2", opts("", allowed), &list), "gemma-3-1b-it-qat:2");
}

TEST(ResolveModelId, ExistingButNotAllowedIsRefusedNamingTheAllowedOnes) {
  auto list = catalog();
  const std::vector<std::string> allowed{kMistral};
  for (std::string_view requested : {std::string_view(kLlama), std::string_view("qwen3")}) {
    auto r = resolve_model_id(requested, &list, opts("", allowed));
    ASSERT_FALSE(r) << requested;
    EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
    EXPECT_EQ(r.error().message, "Model \"" + std::string(requested) +
                                     "\" is not allowed. Allowed models: " + kMistral + ".");
    EXPECT_EQ(r.error().available_models, allowed);
  }
  // Unknown everywhere: not found, listing only what is allowed and available.
  auto r = resolve_model_id("phi-3", &list, opts("", allowed));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().available_models, std::vector<std::string>{kMistral});
}

TEST(ResolveModelId, AllowedModelsRestrictTheDefaultAlias) {
  auto list = catalog();
  const std::vector<std::string> allowed{"gemma-3-1b-it-qat"};
  EXPECT_EQ(resolve_ok("", opts("local-model", allowed), &list), "gemma-3-1b-it-qat");
}

TEST(ResolveModelId, AllowedEntriesMayUseTheProviderPrefix) {
  auto list = catalog();
  const std::vector<std::string> allowed{"lmstudio:qwen3:8b"};
  EXPECT_EQ(resolve_ok("qwen3", opts("", allowed), &list), "qwen3:8b");
}

TEST(ResolveModelId, UnavailableCatalogPassesNamesThrough) {
  EXPECT_EQ(resolve_ok("whatever-model", opts(), nullptr), "whatever-model");
  EXPECT_EQ(resolve_ok("", opts("local-model"), nullptr), "local-model");
  EXPECT_EQ(resolve_ok("", opts(), nullptr), "local-model");
}

TEST(ResolveModelId, UnavailableCatalogStillHonoursAllowedModels) {
  const std::vector<std::string> allowed{kMistral, kLlama};
  EXPECT_EQ(resolve_ok(kLlama, opts("", allowed), nullptr), kLlama);
  EXPECT_EQ(resolve_ok("mistral", opts("", allowed), nullptr), kMistral);
  EXPECT_EQ(resolve_ok("", opts("", allowed), nullptr), kMistral);
  auto r = resolve_model_id("qwen3", nullptr, opts("", allowed));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is not allowed"), std::string::npos);
}

TEST(ResolveModelId, MockNamesAreResolvedLikeAnyProvidersAndUnknownOnesAre404) {
  std::vector<ModelInfo> list{model("local-model", "loaded"), model("mock-model", "loaded")};
  auto o = opts();
  o.provider_name = "mock";
  EXPECT_EQ(resolve_ok("local-model", o, &list), "local-model");
  EXPECT_EQ(resolve_ok("mock", o, &list), "mock-model");
  auto r = resolve_model_id("no-such-model", &list, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(r.error().message,
            "Model \"no-such-model\" not found. Available models: local-model, mock-model.");
  EXPECT_EQ(r.error().available_models, (std::vector<std::string>{"local-model", "mock-model"}));
}

TEST(ResolveModelId, SelectorWithoutModelForAnotherProviderIsInvalid) {
  auto o = opts();
  o.is_primary = false;
  o.provider_name = "openai";
  auto r = resolve_model_id("", nullptr, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(r.error().param, "model");
}

TEST(ResolveModelId, DefaultModelOnlyAppliesToThePrimary) {
  std::vector<ModelInfo> list{model("gpt-4o-mini"), model("gpt-4o")};
  auto o = opts("local-model");
  o.is_primary = false;
  o.provider_name = "openai";
  auto r = resolve_model_id("local-model", &list, o);
  EXPECT_FALSE(r);
  EXPECT_EQ(resolve_ok("gpt-4o-mini", o, &list), "gpt-4o-mini");
}

TEST(SameModel, InstanceAndQuantSuffixesAreTheSameModel) {
  EXPECT_TRUE(same_model("gemma-3-1b-it-qat", "gemma-3-1b-it-qat:2", false));
  EXPECT_TRUE(same_model("gemma-3-1b-it-qat:2", "gemma-3-1b-it-qat", false));
  EXPECT_TRUE(same_model(kEmbed, kEmbed + "@q4_k_m", false));
  EXPECT_TRUE(same_model("Qwen3-8B", "qwen3-8b", false));
  EXPECT_TRUE(same_model("anything", "", false));  // the upstream did not say
}

TEST(SameModel, OtherModelsAreNot) {
  EXPECT_FALSE(same_model(kMistral, "gemma-3-1b-it-qat:2", false));
  EXPECT_FALSE(same_model("qwen3:8b", "qwen3", false));  // "8b" is not an instance number
  EXPECT_FALSE(same_model("gpt-4o", "gpt-4o-2024-08-06", false));
  EXPECT_TRUE(same_model("gpt-4o", "gpt-4o-2024-08-06", true));  // OpenAI snapshot
  EXPECT_FALSE(same_model("gpt-4o", "gpt-4o-mini", false));
}

TEST(StripInstanceSuffix, OnlyDigits) {
  EXPECT_EQ(strip_instance_suffix("x:2"), "x");
  EXPECT_EQ(strip_instance_suffix("x:12"), "x");
  EXPECT_EQ(strip_instance_suffix("qwen3:8b"), "qwen3:8b");
  EXPECT_EQ(strip_instance_suffix("x:"), "x:");
  EXPECT_EQ(strip_instance_suffix("x"), "x");
}

TEST(CheckServedModel, MismatchIsA502ErrorListingTheModels) {
  testing::RecordingProvider provider("lmstudio");
  ResolvedModel resolved{.provider = &provider,
                         .model = kMistral,
                         .catalog = std::make_shared<const std::vector<ModelInfo>>(catalog())};
  config::InferenceSection inference;
  auto e = check_served_model(resolved, "gemma-3-1b-it-qat:2", inference, "req-1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ErrorKind::kUpstreamError);
  EXPECT_FALSE(e->upstream_status);  // -> 502, not 500
  EXPECT_EQ(e->code, "model_mismatch");
  EXPECT_NE(e->message.find("LM Studio served model \"gemma-3-1b-it-qat:2\" instead of the "
                            "requested \"" +
                            kMistral + "\""),
            std::string::npos)
      << e->message;
  EXPECT_NE(e->message.find("Available models: " + kEmbed), std::string::npos);
  EXPECT_FALSE(check_served_model(resolved, kMistral, inference, "req-1"));
  EXPECT_FALSE(check_served_model(resolved, kMistral + ":3", inference, "req-1"));
  inference.accept_model_mismatch = true;
  EXPECT_FALSE(check_served_model(resolved, "gemma-3-1b-it-qat:2", inference, "req-1"));
}

TEST(ResolveModel, SelectorRoutesToAnotherConfiguredProvider) {
  asio::io_context ioc;
  ProviderSet providers(std::make_unique<testing::RecordingProvider>(
      "lmstudio", std::vector<ModelInfo>{model("qwen3:8b", "loaded")}));
  providers.add("mock", std::make_unique<testing::RecordingProvider>(
                            "mock", std::vector<ModelInfo>{model("mock-model", "loaded")}));
  ModelCatalog catalog;
  config::InferenceSection inference;
  inference.provider = "lmstudio";
  std::optional<Result<ResolvedModel>> out;
  out = resolve_on(ioc, "mock:mock-model", inference, providers, catalog);
  ASSERT_TRUE(out && *out) << (out && !*out ? (*out).error().message : "");
  EXPECT_EQ((**out).provider->name(), "mock");
  EXPECT_EQ((**out).model, "mock-model");

  out = resolve_on(ioc, "lmstudio:qwen3", inference, providers, catalog);
  ASSERT_TRUE(out && *out);
  EXPECT_EQ((**out).provider, &providers.primary());
  EXPECT_EQ((**out).model, "qwen3:8b");
}

TEST(TryResolveModel, AnswersFromTheCachedListAndOtherwiseDefersToResolveModel) {
  asio::io_context ioc;
  ProviderSet providers(std::make_unique<testing::RecordingProvider>(
      "lmstudio", std::vector<ModelInfo>{model("qwen3:8b", "loaded")}));
  ModelCatalog catalog;
  config::InferenceSection inference;
  inference.provider = "lmstudio";
  // Nothing cached yet: the list must be fetched.
  EXPECT_FALSE(try_resolve_model("qwen3", ModelPurpose::kChat, inference, providers, catalog));
  // A selector for a provider this gateway does not serve needs no list: its error is the answer.
  auto other =
      try_resolve_model("openai:gpt-4o-mini", ModelPurpose::kChat, inference, providers, catalog);
  ASSERT_TRUE(other);
  ASSERT_FALSE(*other);
  EXPECT_EQ(other->error().kind, ErrorKind::kModelNotFound);
  std::optional<Result<ResolvedModel>> out;
  out = resolve_on(ioc, "qwen3", inference, providers, catalog);
  ASSERT_TRUE(out && *out);
  auto cached = try_resolve_model("qwen3", ModelPurpose::kChat, inference, providers, catalog);
  ASSERT_TRUE(cached && *cached);
  EXPECT_EQ((**cached).provider, &providers.primary());
  EXPECT_EQ((**cached).model, "qwen3:8b");
  EXPECT_NE((**cached).catalog, nullptr);
  auto missing = try_resolve_model("llama", ModelPurpose::kChat, inference, providers, catalog);
  ASSERT_TRUE(missing);
  ASSERT_FALSE(*missing);
  EXPECT_EQ(missing->error().kind, ErrorKind::kModelNotFound);
}

}  // namespace
}  // namespace roci::server
