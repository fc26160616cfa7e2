// Installed-package smoke test: include <roci/roci.h>, link roci::roci, generate with the mock.
#include <roci/roci.h>

#include <iostream>

int main() {
  roci::MockProvider provider;
  auto result = roci::generate_text(provider, {roci::ModelMessage::user("Hello, how are you?")},
                                    roci::GenerationSettings{}, {});
  if (!result) {
    std::cerr << "Error: " << result.error().message << "\n";
    return 1;
  }
  std::cout << result->text << "\n";
  return result->text.empty() ? 1 : 0;
}
