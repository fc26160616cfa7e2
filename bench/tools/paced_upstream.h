// roci-bench's paced upstream: an LM Studio-shaped chat server that writes stream chunks at fixed
// absolute times (first + k x delay), each stamped with its emit time, so a client can compute
// every chunk's one-way latency. Non-streaming requests get one chat.completion. Runs until
// SIGINT/SIGTERM; listens on 127.0.0.1 only.
#pragma once

#include "bench_util.h"

int run_paced_upstream(const roci::bench::Args& args);
