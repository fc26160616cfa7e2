// The seed's "ModelSelector String Syntax" example: "provider:model_id", split on the first ':'.
//
//   ./selector_parsing                       # the seed's checks
//   ./selector_parsing lmstudio:qwen3:8b     # also parse and print your own selector
#include <roci/roci.h>

#include <iostream>

int main(int argc, char** argv) {
  // Parse from string
  auto model = roci::LanguageModel::parse("lmstudio:llama3.3");
  if (!model || model->provider_name() != "lmstudio" || model->model_id() != "llama3.3") {
    std::cerr << "selector parsing does not match the seed\n";
    return 1;
  }

  // Explicit construction
  roci::LanguageModel known = roci::LanguageModel::Known{
      .provider_key = "lmstudio",
      .model_id = "mistral",
  };
  std::cout << model->to_string() << "\n" << known.to_string() << "\n";

  if (argc > 1) {
    auto yours = roci::LanguageModel::parse(argv[1]);
    if (!yours) {
      std::cerr << "Error: " << yours.error().message << "\n";
      return 1;
    }
    std::cout << "provider: " << yours->provider_name() << "\nmodel: " << yours->model_id() << "\n";
  }
  return 0;
}
