// The seed's "Streaming" example: print each text delta as it arrives.
//
//   ./streaming                         # LM Studio at http://localhost:1234, model llama3.3
//   ./streaming http://10.0.0.5:1234    # another LM Studio
//   ./streaming mock                    # roci's mock provider: no server needed
#include <roci/roci.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

int main(int argc, char** argv) {
  const std::string base_url = argc > 1 ? argv[1] : "http://localhost:1234";
  std::unique_ptr<roci::Provider> provider;
  if (base_url == "mock") {
    provider = std::make_unique<roci::MockProvider>();
  } else {
    provider =
        std::make_unique<roci::LmStudioProvider>(roci::LmStudioModel::custom("llama3.3"), base_url);
  }

  roci::ProviderRequest request{
      .messages = {roci::ModelMessage::user("Explain quantum computing")},
      .settings = roci::GenerationSettings{},
      .tools = std::nullopt,
      .response_format = std::nullopt,
      .session_id = std::nullopt,
      .transport = std::nullopt,
  };

  auto stream = provider->stream_text(request);
  if (!stream) {
    std::cerr << "Error: " << stream.error().message << "\n";
    return 1;
  }
  while (auto delta = stream->next()) {
    if (!delta->text.empty()) std::cout << delta->text << std::flush;
  }
  if (stream->error()) {  // the seed's `delta?`: an error mid-stream ends the loop
    std::cerr << "\nError: " << stream->error()->message << "\n";
    return 1;
  }
  std::cout << "\n";
  return 0;
}
