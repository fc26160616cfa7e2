// libFuzzer entry point for the upstream_decode target (fuzz/targets/upstream_decode.cc; run with
// scripts/fuzz.sh).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  roci::fuzz::fuzz_upstream_decode(data, size);
  return 0;
}
