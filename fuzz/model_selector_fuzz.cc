// libFuzzer entry point for the model_selector target (fuzz/targets/model_selector.cc; run with
// scripts/fuzz.sh).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  roci::fuzz::fuzz_model_selector(data, size);
  return 0;
}
