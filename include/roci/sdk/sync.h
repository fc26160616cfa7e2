// clang-format off
// Blocking forms of the Provider operations that have no facade of their own (generate_text and
// stream_text are in generate.h and stream.h):
//
//   roci::LmStudioProvider provider(roci::LmStudioModel::custom("local-model"));
//   auto models = roci::list_models(provider);        // Result<std::vector<ModelInfo>>
//   auto up = roci::health(provider);                 // Result<ProviderHealth>
//   auto vectors = roci::embed(provider, {.model = "text-embedding-nomic-embed-text-v1.5",
//                                         .input = {"hello"}});
//   auto legacy = roci::complete(provider, {.prompt = {"Once upon a time"}});
//
// Each blocks the calling thread while the operation runs on the sync runtime thread (the same
// thread as every sync facade, so one provider may be shared by sync calls from several threads).
// Must not be called on that thread (a sync tool handler): co_await the provider there. Errors are
// the operation's own (roci/provider/provider.h); an exception escaping it is kInternal.
// Inside a coroutine, co_await provider.list_models() and the others on any io_context.
// clang-format on
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/provider.h>

#include <vector>

namespace roci {

Result<std::vector<ModelInfo>> list_models(Provider& provider);
Result<ProviderHealth> health(Provider& provider);
Result<EmbeddingResult> embed(Provider& provider, EmbeddingRequest request);
Result<CompletionResult> complete(Provider& provider, CompletionRequest request);

}  // namespace roci
