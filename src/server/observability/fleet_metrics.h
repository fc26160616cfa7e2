// The fleet's Prometheus series, one per backend (label `backend`), rendered from a
// fleet::FleetSnapshot at scrape time (the Fleet keeps the counters; nothing per request here):
//
//   roci_backend_requests_total{backend}        counter  requests sent to the backend
//   roci_backend_in_flight{backend}             gauge    requests in flight to it
//   roci_backend_queue_length{backend}          gauge    requests waiting for it
//   roci_backend_up{backend}                    gauge    1 while usable (reachable, circuit closed)
//   roci_backend_loads_started_total{backend}   counter  model loads roci caused (explicit or JIT)
//   roci_backend_load_duration_seconds_{sum,count}{backend}  summary of finished loads
//   roci_backend_failovers_total{backend}       counter  requests moved to another host before
//                                                        their first byte
//   roci_backend_circuit_opens_total{backend}   counter
#pragma once

#include <roci/fleet/fleet.h>

#include <string>

namespace roci::server {

std::string render_fleet_metrics(const fleet::FleetSnapshot& snapshot);

}  // namespace roci::server
