// clang-format off
// stream_text: the seed's streaming API, as a free function over provider.stream_text.
//
//   roci::MockProvider provider;  // or any roci::Provider, e.g. roci::LmStudioProvider
//   roci::ProviderRequest request;
//   request.messages.push_back(roci::ModelMessage::user("Explain quantum computing"));
//   auto stream = roci::stream_text(provider, request);  // or provider.stream_text(request)
//   if (!stream) return fail(stream.error());
//   while (auto delta = stream->next()) {
//     if (!delta->text.empty()) std::cout << delta->text << std::flush;
//   }
//   if (stream->error()) return fail(*stream->error());  // the stream broke off
//
// TextStream (roci/provider/text_stream.h) says how next() blocks and what ends a stream.
// (tests/unit/sdk/header_examples_test.cc runs the example above as written.)
// clang-format on
#pragma once

#include <roci/provider/provider.h>
#include <roci/provider/text_stream.h>

namespace roci {

inline Result<TextStream> stream_text(Provider& provider, const ProviderRequest& request) {
  return provider.stream_text(request);
}

}  // namespace roci
