// The seed's "Basic Generation" example: one prompt, one answer, printed.
//
//   ./basic_generation                          # LM Studio at http://localhost:1234, model
//   llama3.3
//   ./basic_generation http://10.0.0.5:1234     # another LM Studio
//   ./basic_generation mock                     # roci's mock provider: no server needed
#include <roci/roci.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::string base_url = argc > 1 ? argv[1] : "http://localhost:1234";
  std::unique_ptr<roci::Provider> provider;
  if (base_url == "mock") {
    provider = std::make_unique<roci::MockProvider>();
  } else {
    provider =
        std::make_unique<roci::LmStudioProvider>(roci::LmStudioModel::custom("llama3.3"), base_url);
  }

  std::vector<roci::ModelMessage> messages{roci::ModelMessage::user("Hello, how are you?")};

  auto result = roci::generate_text(*provider, messages, roci::GenerationSettings{}, {});
  if (!result) {
    std::cerr << "Error: " << result.error().message << "\n";
    return 1;
  }

  std::cout << result->text << "\n";
  return 0;
}
