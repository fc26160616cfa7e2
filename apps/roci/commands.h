// The subcommands: `roci chat` (one prompt, or an interactive session) and `roci models`.
#pragma once

#include "args.h"

#include <roci/provider/registry.h>

namespace roci::cli {

// One prompt (stdin and the words, prompt.h) answered on stdout, or an interactive session
// (session.h) when there is none and stdin is a terminal. The model is checked first
// (connection.h). Ctrl-C stops the answer: exit 130 after a one-shot prompt.
int run_chat(const ChatOptions& options, const ProviderRegistry& registry);

// The models as a table (ID, STATE, TYPE, CONTEXT), or with --json one JSON array of objects
// (id, owned_by, type, state, max_context_length, loaded_context_length, capabilities, publisher,
// arch, quantization; absent fields left out).
int run_models(const ModelsOptions& options, const ProviderRegistry& registry);

}  // namespace roci::cli
