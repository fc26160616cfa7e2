// libFuzzer entry point for the messages_request target (fuzz/targets/messages_request.cc; run
// with scripts/fuzz.sh).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  roci::fuzz::fuzz_messages_request(data, size);
  return 0;
}
