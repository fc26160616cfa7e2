// The access log: one spdlog line per request at info level.
//
//   log_access(log, "POST", "/v1/chat/completions?x=1");
//   // [info] access id=3f9c0a1b2c4d-2a method=POST path=/v1/chat/completions
//   //   model=TheBloke/Mistral-7B-Instruct-v0.2-GGUF status=200 duration_ms=812.402
//   //   tokens_in=12 tokens_out=100 bytes_out=1832 stream=true
//
// Failed requests add `error=<kind> message="..."`; a client that went away shows status=499.
// At level warn or above the line is skipped before any formatting. The query string is not
// logged (it may carry secrets); control characters in the path are replaced.
#pragma once

#include "server/http/request_context.h"

#include <string_view>

namespace roci::server {

void log_access(const RequestLog& log, std::string_view method, std::string_view target);

}  // namespace roci::server
