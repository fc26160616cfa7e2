// libFuzzer entry point for the config_loader target (fuzz/targets/config_loader.cc; run with
// scripts/fuzz.sh).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  roci::fuzz::fuzz_config_loader(data, size);
  return 0;
}
