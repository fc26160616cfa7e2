// libFuzzer entry point for the sse_parser target (fuzz/targets/sse_parser.cc; run with
// scripts/fuzz.sh).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  roci::fuzz::fuzz_sse_parser(data, size);
  return 0;
}
