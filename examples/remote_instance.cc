// The seed's "Remote LMStudio Instance" example: the same provider, pointed at another machine.
//
//   ./remote_instance                            # LM Studio at http://192.168.1.100:1234
//   ./remote_instance http://10.0.0.5:1234       # another address
//   ./remote_instance mock                       # roci's mock provider: no server needed
// The provider contacts the server only when a request is made (here: one generate_text call).
#include <roci/roci.h>

#include <iostream>
#include <memory>
#include <string>

int main(int argc, char** argv) {
  // Point to LMStudio running on a different machine
  const std::string base_url = argc > 1 ? argv[1] : "http://192.168.1.100:1234";
  std::unique_ptr<roci::Provider> provider;
  if (base_url == "mock") {
    provider = std::make_unique<roci::MockProvider>();
  } else {
    provider =
        std::make_unique<roci::LmStudioProvider>(roci::LmStudioModel::custom("llama3.3"), base_url);
  }
  std::cout << "provider " << provider->name() << " at "
            << (provider->base_url().empty() ? "(no upstream)" : provider->base_url()) << "\n";

  auto result = roci::generate_text(*provider, {roci::ModelMessage::user("Hello, how are you?")},
                                    roci::GenerationSettings{}, {});
  if (!result) {
    std::cerr << "Error: " << result.error().message << "\n";
    return 1;
  }
  std::cout << result->text << "\n";
  return 0;
}
