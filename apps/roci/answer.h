// One answer of a chat, printed as it arrives: the text on stdout, reasoning (dimmed at a terminal)
// and tool calls on stderr, then one line on stderr with the model that answered and the token
// counts: "[qwen2.5-7b-instruct: 12 prompt + 34 completion tokens]".
//
//   auto request = make_request(options, {roci::ModelMessage::user("hi")}, model);
//   Answer answer = stream_answer(provider, *request, stop_token);   // Ctrl-C: kCancelled
#pragma once

#include "args.h"

#include <roci/provider/provider.h>

#include <stop_token>
#include <string>
#include <vector>

namespace roci::cli {

// The request for `messages` with the options' settings (-o fields included). Errors: a malformed
// -o (kInvalidRequest).
Result<ProviderRequest> make_request(const ChatOptions& options, std::vector<ModelMessage> messages,
                                     std::string model);

struct Answer {
  std::string shown;                // the text printed, even when the answer broke off
  Result<GenerationResult> result;  // kCancelled when stopped
};

// Streams the answer (TextStream, stoppable through `stop`).
Answer stream_answer(Provider& provider, const ProviderRequest& request, std::stop_token stop);
// Waits for the whole answer (generate_text), then prints it the same way.
Answer whole_answer(Provider& provider, const ProviderRequest& request);

// "roci: <message>" on stderr; the exit code for it.
int report(const Error& error);

}  // namespace roci::cli
