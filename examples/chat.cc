// A multi-turn chat REPL: a Conversation keeps the history, trimmed to the model's context.
//   ./chat [http://localhost:1234]      type a line, get an answer; an empty line or EOF ends
//   ./chat mock                         two scripted turns against the mock
#include <roci/roci.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::string where = argc > 1 ? argv[1] : "http://localhost:1234";
  const bool mock = where == "mock";
  std::unique_ptr<roci::Provider> provider;
  if (mock) {
    provider = std::make_unique<roci::MockProvider>();
  } else {
    provider =
        std::make_unique<roci::LmStudioProvider>(roci::LmStudioModel::custom("local-model"), where);
  }
  // What the server reports, when it can (LM Studio: the loaded context length).
  if (auto models = roci::list_models(*provider); !models) {
    std::cerr << "Error: " << models.error().message << "\n";
    return 1;
  }
  const int context = provider->capabilities(provider->model_id()).context_length;
  roci::Conversation chat("You are a friendly, concise assistant.");
  std::vector<std::string> scripted{"Hello! Who are you?", "What did I just ask you?"};

  for (std::size_t turn = 0;; ++turn) {
    std::string line;
    if (mock) {
      if (turn == scripted.size()) break;
      line = scripted[turn];
      std::cout << "> " << line << "\n";
    } else {
      std::cout << "> " << std::flush;
      if (!std::getline(std::cin, line) || line.empty()) break;
    }
    chat.add_user(line);
    chat.trim_to(context * 3 / 4);  // room left for the answer
    auto answer = roci::generate_text(*provider, chat.request({.max_tokens = 512}));
    if (!answer) {
      std::cerr << "Error: " << answer.error().message << "\n";
      return 1;
    }
    std::cout << answer->text << "\n";
    chat.add(*answer);
  }
  std::cout << chat.history().size() << " messages\n";
  return 0;
}
