// The access log: one line per request at info level, on the "access" logger (logging.h).
//
//   log_access(log, "POST", "/v1/chat/completions?x=1");
//
// Text (log.format: text), fields in this order:
//   access id=3f9c0a1b2c4d-2a method=POST path=/v1/chat/completions
//     model=TheBloke/Mistral-7B-Instruct-v0.2-GGUF status=200 duration_ms=812.402 ttft_ms=95.120
//     tokens_in=12 tokens_out=100 bytes_out=1832 stream=true client=127.0.0.1:51234
//     requested_model=mistral backend=lmstudio
// then, for a failed request, `error=<kind> message="..."`. An absent value is `-`.
// JSON (log.format: json), one object with these stable fields:
//   {"time","level":"info","event":"access","request_id","client","method","path",
//    "requested_model","model","backend","status","duration_ms","ttft_ms","tokens_in",
//    "tokens_out","bytes_out","stream","error","message"}
// where absent values are null (requested_model when the client named no model, model and
// backend before resolution, ttft_ms unless streamed, error and message unless it failed).
//
// `model` is the resolved id, `requested_model` what the client wrote: a 404 for an unknown model
// shows it there. A client that went away shows status 499. At level warn or above the line is
// skipped before any formatting. The query string is not logged (it may carry secrets); control
// characters and quotes in the text format's path and message are replaced.
#pragma once

#include "server/http/request_context.h"

#include <string>
#include <string_view>

namespace roci::server {

void log_access(const RequestLog& log, std::string_view method, std::string_view target);

// The JSON members of the access line (without braces), as log_access writes them.
void append_access_json(std::string& out, const RequestLog& log, std::string_view method,
                        std::string_view target);

}  // namespace roci::server
