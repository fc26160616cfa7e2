#include "session.h"

#include "answer.h"

#include <unistd.h>
#include <iostream>
#include <string_view>
#include <vector>

namespace roci::cli {
namespace {

constexpr std::string_view kPrompt = ">>> ";

std::string trimmed(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

enum class Command { kLeave, kHandled, kNotACommand };

Command run_command(const std::string& line, std::vector<ModelMessage>& history) {
  if (line.empty() || line[0] != '/') return Command::kNotACommand;
  if (line == "/exit" || line == "/quit" || line == "/bye") return Command::kLeave;
  if (line == "/clear") {
    history.clear();
    std::cerr << "[history cleared]\n";
  } else if (line == "/help" || line == "/?") {
    std::cerr << "/exit, /quit, /bye or Ctrl-D  leave\n"
                 "/clear                        forget the conversation so far\n"
                 "Ctrl-C                        stop the answer in progress\n";
  } else {
    std::cerr << "unknown command " << line << " (/help lists them)\n";
  }
  return Command::kHandled;
}

// One turn: sends the history with the user's line, keeps what was shown.
void take_turn(Target& target, const std::string& model, const ChatOptions& options,
               Interrupts& interrupts, std::vector<ModelMessage>& history) {
  auto request = make_request(options, history, model);
  if (!request) {
    report(request.error());
    history.pop_back();
    return;
  }
  Answer answer{{}, Error::internal("no answer")};
  {
    auto in_progress = interrupts.begin_answer();
    answer = stream_answer(*target.provider, *request, in_progress.token());
  }
  if (answer.result) {
    history.push_back(ModelMessage::assistant(answer.result->text));
    return;
  }
  if (answer.result.error().kind == ErrorKind::kCancelled) {
    std::cerr << "[stopped]\n" << std::flush;
  } else {
    report(answer.result.error());
  }
  if (answer.shown.empty()) {
    history.pop_back();  // nothing was answered: the turn leaves no trace
  } else {
    history.push_back(ModelMessage::assistant(answer.shown));
  }
}

}  // namespace

void print_leave_hint() {
  constexpr std::string_view kHint = "\n(Ctrl-D or /exit leaves)\n>>> ";
  (void)!write(STDOUT_FILENO, kHint.data(), kHint.size());
}

int run_session(Target& target, const std::string& model, const ChatOptions& options,
                Interrupts& interrupts) {
  std::cerr << "roci: chatting with " << (model.empty() ? target.where : model) << " ("
            << target.where << "). Ctrl-C stops an answer; /exit or Ctrl-D leaves; /help.\n";
  std::vector<ModelMessage> history;
  std::string line;
  for (;;) {
    std::cout << kPrompt << std::flush;
    if (!std::getline(std::cin, line)) {
      std::cout << "\n" << std::flush;
      return kExitOk;
    }
    line = trimmed(line);
    if (line.empty()) continue;
    const Command command = run_command(line, history);
    if (command == Command::kLeave) return kExitOk;
    if (command == Command::kHandled) continue;
    history.push_back(ModelMessage::user(line));
    take_turn(target, model, options, interrupts, history);
  }
}

}  // namespace roci::cli
