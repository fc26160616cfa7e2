// libFuzzer entry point for the chat_request target (fuzz/targets/chat_request.cc; run with
// scripts/fuzz.sh).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  roci::fuzz::fuzz_chat_request(data, size);
  return 0;
}
