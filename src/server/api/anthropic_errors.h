// The Anthropic Messages routes' error renderer (messages_handler.cc): the status is
// to_http_error's, the body {"type":"error","error":{"type","message"}} with the type
// anthropic_wire::error_type gives for that status, and the mid-stream failure an `error` event.
// The router gives it to /v1/messages and /v1/messages/count_tokens, so the gate's errors on those
// routes (401, 413, 415, 429, 431, ...) are in Anthropic's shape too.
#pragma once

#include "server/api/http_error.h"

namespace roci::server {

extern const ErrorRenderer kAnthropicErrors;

}  // namespace roci::server
