// clang-format off
// generate_text: one synchronous generation, the seed's
// `generate_text(&provider, messages, settings, &[])`.
//
//   roci::MockProvider provider;  // or any roci::Provider, e.g. roci::LmStudioProvider
//   auto result = roci::generate_text(provider, {roci::ModelMessage::user("Hello, how are you?")},
//                                     roci::GenerationSettings{}, {});
//   if (result) std::cout << result->text << "\n";
//
// Blocks the calling thread; the request runs on the sync runtime thread. Inside a coroutine,
// co_await provider.generate(request) instead. (tests/unit/sdk/header_examples_test.cc runs the
// example above as written.)
// clang-format on
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/provider.h>

#include <boost/asio/awaitable.hpp>
#include <vector>

namespace roci {

Result<GenerationResult> generate_text(Provider& provider, std::vector<ModelMessage> messages,
                                       GenerationSettings settings,
                                       std::vector<ToolDefinition> tools);
Result<GenerationResult> generate_text(Provider& provider, ProviderRequest request);

// Awaitable form with the same arguments.
asio::awaitable<Result<GenerationResult>> generate_text_async(Provider& provider,
                                                              ProviderRequest request);

}  // namespace roci
