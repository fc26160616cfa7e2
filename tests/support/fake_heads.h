// The fakes' response heads, in the style of each mode's real server (Express for LM Studio,
// OpenAI's edge, cpp-httplib for llama.cpp). The socket helpers are the server core's
// (test_http_server.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "support/fake_internal.h"

namespace roci::testing::detail {

struct HeadSpec {
  unsigned status = 200;
  std::string_view content_type;
  std::optional<std::size_t> content_length;  // nullopt: Transfer-Encoding: chunked
  std::string_view body;                      // for the ETag (Express, non-stream only)
  bool stream = false;
  bool keep_alive = true;
  const std::vector<std::pair<std::string, std::string>>* extra_headers = nullptr;
};
// The status line and headers, in the style of the mode's real server (Express for LM Studio).
std::string render_head(const FakeOptions& options, const HeadSpec& spec);

}  // namespace roci::testing::detail
