// stream_text: the seed's streaming API.
//
//   roci::ProviderRequest request{.messages = {roci::ModelMessage::user("Explain quantum
//   computing")}}; auto stream = provider.stream_text(request); if (!stream) return
//   fail(stream.error()); while (auto d = stream->next()) if (!d->text.empty()) std::cout <<
//   d->text << std::flush;
#pragma once

#include <roci/provider/provider.h>
#include <roci/provider/text_stream.h>

namespace roci {

inline Result<TextStream> stream_text(Provider& provider, const ProviderRequest& request) {
  return provider.stream_text(request);
}

}  // namespace roci
