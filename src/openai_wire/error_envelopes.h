// Private: upstream error envelopes, shared by the decoders and classify_upstream_error.
#pragma once

#include <roci/core/error.h>

#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

namespace roci::openai_wire::detail {

// The Error a parsed upstream body describes when its top-level `error` is a string or an object
// (any of LM Studio's three envelopes, llama.cpp's, OpenAI's); nullopt otherwise.
std::optional<Error> error_from_json(int status, const boost::json::value& body,
                                     std::string_view upstream);

// An `{"error": ...}` SSE payload: kUpstreamError "<upstream> reported an error mid-stream: ...".
std::optional<Error> stream_error_from_json(const boost::json::value& body,
                                            std::string_view upstream);

}  // namespace roci::openai_wire::detail
