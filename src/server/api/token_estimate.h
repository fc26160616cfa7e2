// An estimate of a request's prompt tokens, for token counting when the upstream has no tokenizer
// endpoint (LM Studio, OpenAI, the mock; llama.cpp counts exactly: Provider::count_tokens).
//
//   int n = estimate_prompt_tokens(request);   // POST /v1/messages/count_tokens
//
// The rule (documented in the README): one token per 4 bytes of UTF-8 text, rounded up, over every
// message's text (content, text parts, tool-call names and arguments, tool-result ids), each tool
// definition's name, description and JSON schema text; plus 4 tokens per message (role and
// template markers), 85 per image (a low-detail tile) and 3 for the assistant turn's opening. It is
// close for English prose and code with BPE tokenizers; it is not exact for any model.
#pragma once

#include <roci/core/types.h>

namespace roci::server {

int estimate_prompt_tokens(const ProviderRequest& request);

}  // namespace roci::server
