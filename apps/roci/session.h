// The interactive session of `roci chat MODEL` at a terminal, as ollama run and llm chat behave:
//
//   >>> What is 2+2?
//   4
//   [qwen2.5-7b-instruct: 24 prompt + 2 completion tokens]
//   >>> /exit
//
// Every turn sends the whole history (system message, then each user line and answer). Ctrl-C
// stops the answer in progress (the upstream connection is closed) and the session goes on: what
// was shown stays in the history, so "go on" continues it; an answer that failed or stopped before
// any text leaves no trace. Ctrl-C at the prompt says how to leave; Ctrl-D or /exit leaves (exit
// 0). Commands: /exit (/quit, /bye), /clear (forget the history), /help.
#pragma once

#include "args.h"
#include "connection.h"
#include "interrupts.h"

#include <string>

namespace roci::cli {

int run_session(Target& target, const std::string& model, const ChatOptions& options,
                Interrupts& interrupts);

// The hint Ctrl-C prints at the prompt (written by the interrupt watcher thread).
void print_leave_hint();

}  // namespace roci::cli
