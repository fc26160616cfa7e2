// `roci-bench count`: exactly N requests over C keep-alive connections, closed loop
// (bench/callgrind).
//
//   roci-bench count --port P --body FILE --requests 5000 [--connections 8] [--stream 1]
//                    [--max-seconds 600]
//
// Each of min(C, N) connections sends its next request once the previous response ended, until N
// requests were sent in all; nothing is paced or timed, so the server does the same work however
// fast it runs (callgrind counts instructions, not time). A response is ok when its status is 2xx
// and, with --stream 1, its body ends the stream with `data: [DONE]` (sent only on success). Talks
// to 127.0.0.1 only. Bounded by --max-seconds: what has not finished by then counts as unfinished.
//
// Prints one line, `requests=N ok= non2xx= errors= unfinished= seconds=`, and exits 0 when every
// request was ok, 1 otherwise (the line says why; a usage error exits 1 with a message on stderr).
#pragma once

#include "bench_util.h"

namespace roci::bench {

int run_count(const Args& args);

}  // namespace roci::bench
