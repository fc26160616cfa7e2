// The seed's "Advanced Generation with Settings" example: system prompt, sampling settings, stop.
//
//   ./advanced_settings                         # LM Studio at http://localhost:1234, codellama
//   ./advanced_settings http://10.0.0.5:1234    # another LM Studio
//   ./advanced_settings mock                    # roci's mock provider: no server needed
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
    provider = std::make_unique<roci::LmStudioProvider>(roci::LmStudioModel::custom("codellama"),
                                                        base_url);
  }

  std::vector<roci::ModelMessage> messages{
      roci::ModelMessage::system(
          "You are an expert Rust developer. Generate clean, efficient code."),
      roci::ModelMessage::user("Write a function to sort a vector of structs by a field."),
  };

  roci::GenerationSettings settings{
      .max_tokens = 2048,
      .temperature = 0.3,  // lower temperature for code
      .top_p = 0.95,
      .stop_sequences = std::vector<std::string>{"```"},
  };

  auto result = roci::generate_text(*provider, messages, settings, {});
  if (!result) {
    std::cerr << "Error: " << result.error().message << "\n";
    return 1;
  }
  std::cout << result->text << "\n";
  return 0;
}
