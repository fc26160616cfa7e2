// libFuzzer entry point for the responses_request target (fuzz/targets/responses_request.cc; run
// with scripts/fuzz.sh).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  roci::fuzz::fuzz_responses_request(data, size);
  return 0;
}
