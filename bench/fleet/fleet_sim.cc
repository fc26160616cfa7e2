// roci-fleet-sim: the fleet's routing policy (src/fleet/route_decision.h, the same decide() the
// live FleetProvider calls) against round-robin and least-in-flight, on a simulated fleet with a
// virtual clock: 4 hosts x 8 models, Poisson arrivals, Zipf model popularity, model loads of 1-5 s
// (uniform), exponential service times, each host holding 2 models (least recently used evicted,
// never one with requests running) and serving 4 requests at once.
//
//   roci-fleet-sim [--seconds 3600] [--rate 6] [--seed 1]
//
// Per policy: duplicate loads (a load started while another load of the same model was in flight
// anywhere in the fleet; LM Studio's JIT race makes a second first request on a loading host such a
// load), the share of requests served by a host that had the model loaded when the request was
// placed, and p50/p99 queue wait (arrival to start of service, loads included).
#include "fleet/route_decision.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace {

using roci::fleet::decide;
using roci::fleet::HostView;
using roci::fleet::Presence;
using roci::fleet::RouteAction;
using roci::fleet::RouteQuery;

constexpr int kHosts = 4;
constexpr int kModels = 8;
constexpr int kSlots = 4;
constexpr int kResident = 2;  // models a host holds at once
constexpr double kServiceMean = 2.0;

enum class Policy { kRoci, kRoundRobin, kLeastInFlight };
const char* name(Policy p) {
  return p == Policy::kRoci ? "roci" : p == Policy::kRoundRobin ? "round-robin" : "least-in-flight";
}

struct Request {
  int model;
  double arrival;
  bool warm = false;  // placed on a host that had the model loaded
  bool cold = false;  // waited for a load: never counts as warm
};

struct Host {
  std::map<int, double> loaded;  // model -> last use
  std::map<int, int> loading;    // model -> loads in flight on this host
  std::map<int, int> running;    // model -> requests running
  int in_flight = 0;
  std::deque<int> queue;  // request ids waiting for a slot (model loaded or loading)
};

struct Event {
  double t;
  int kind;  // 0 arrival, 1 load done (host, model), 2 service done (host, request)
  int host, model, req;
  bool operator>(const Event& o) const { return t > o.t; }
};

struct Stats {
  int requests = 0, served = 0, warm = 0, loads = 0, duplicate_loads = 0, rejected = 0;
  std::vector<double> waits;
};

class Sim {
 public:
  Sim(Policy policy, double seconds, double rate, unsigned seed)
      : policy_(policy), seconds_(seconds), rate_(rate), rng_(seed) {
    double norm = 0;
    for (int m = 0; m < kModels; ++m) norm += 1.0 / (m + 1);
    for (int m = 0; m < kModels; ++m) popularity_.push_back((1.0 / (m + 1)) / norm);
    for (int h = 0; h < kHosts; ++h) {
      for (int k = 0; k < kResident; ++k) hosts_[h].loaded[(h * kResident + k) % kModels] = 0;
    }
  }

  Stats run() {
    push({exp(rate_), 0, -1, -1, -1});
    while (!events_.empty()) {
      Event e = events_.top();
      events_.pop();
      now_ = e.t;
      if (e.kind == 0) {
        arrive();
      } else if (e.kind == 1) {
        load_done(e.host, e.model);
      } else {
        service_done(e.host, e.req);
      }
    }
    return stats_;
  }

 private:
  double exp(double rate) { return std::exponential_distribution<double>(rate)(rng_); }
  void push(Event e) { events_.push(e); }
  int fleet_loads(int model) const {
    int n = 0;
    for (const auto& h : hosts_) {
      if (auto it = h.loading.find(model); it != h.loading.end()) n += it->second;
    }
    return n;
  }

  void arrive() {
    if (now_ < seconds_)
      push({now_ + exp(rate_), 0, -1, -1, -1});
    else
      return;
    std::discrete_distribution<int> pick(popularity_.begin(), popularity_.end());
    const int id = static_cast<int>(requests_.size());
    requests_.push_back({pick(rng_), now_});
    ++stats_.requests;
    place(id);
  }

  void place(int id) {
    if (policy_ == Policy::kRoci) {
      place_roci(id);
      return;
    }
    int h = 0;
    if (policy_ == Policy::kRoundRobin) {
      h = rr_++ % kHosts;
    } else {
      int best = 1 << 30;
      for (int i = 0; i < kHosts; ++i) {
        const int load = hosts_[i].in_flight + static_cast<int>(hosts_[i].queue.size());
        if (load < best) best = load, h = i;
      }
    }
    Host& host = hosts_[h];
    const int m = requests_[id].model;
    if (host.loaded.count(m)) {
      requests_[id].warm = true;
    } else {
      // LM Studio JIT: every first request on a host without the model loaded loads a copy.
      start_load(h, m);
    }
    host.queue.push_back(id);
    drain(h);
  }

  std::vector<HostView> views(int model) const {
    std::vector<HostView> v(kHosts);
    for (int i = 0; i < kHosts; ++i) {
      const Host& h = hosts_[i];
      v[i].usable = true;
      v[i].model = h.loaded.count(model)    ? Presence::kLoaded
                   : h.loading.count(model) ? Presence::kLoading
                                            : Presence::kOnDisk;
      v[i].loadable = true;
      v[i].in_flight = h.in_flight;
      v[i].queued = static_cast<int>(h.queue.size()) + waiting_on_[i];
      v[i].max_concurrent = kSlots;
      v[i].max_queue = 1 << 20;
    }
    return v;
  }

  void place_roci(int id) {
    const int m = requests_[id].model;
    const auto v = views(m);
    const auto d = decide(
        v,
        RouteQuery{.load_in_flight = fleet_loads(m) > 0, .spill_queue_depth = 16, .tie = rng_()});
    switch (d.action) {
      case RouteAction::kRun:
      case RouteAction::kQueue:
        requests_[id].warm = !requests_[id].cold;
        hosts_[d.host].queue.push_back(id);
        drain(d.host);
        return;
      case RouteAction::kLoad:
      case RouteAction::kJitLoad:
        start_load(d.host, m);
        [[fallthrough]];
      case RouteAction::kWaitForLoad:
      case RouteAction::kWaitForIdle:
        requests_[id].cold = requests_[id].cold || d.action != RouteAction::kWaitForIdle;
        waiting_.push_back(id);  // decides again when something changes
        if (d.host >= 0) ++waiting_on_[d.host];
        waiting_host_.push_back(d.host);
        return;
      case RouteAction::kQueueFull:
      case RouteAction::kNoHost:
        ++stats_.rejected;
        return;
    }
  }

  void start_load(int h, int m) {
    if (fleet_loads(m) > 0) ++stats_.duplicate_loads;
    ++stats_.loads;
    ++hosts_[h].loading[m];
    push({now_ + std::uniform_real_distribution<double>(1.0, 5.0)(rng_), 1, h, m, -1});
  }

  void evict(Host& host) {
    while (static_cast<int>(host.loaded.size()) > kResident) {
      int victim = -1;
      double oldest = 1e300;
      for (const auto& [model, used] : host.loaded) {
        if (host.running.count(model) || used >= oldest) continue;
        victim = model, oldest = used;
      }
      if (victim < 0) return;  // everything runs: hold one more until something finishes
      host.loaded.erase(victim);
    }
  }

  void load_done(int h, int m) {
    Host& host = hosts_[h];
    if (--host.loading[m] == 0) host.loading.erase(m);
    host.loaded[m] = now_;
    evict(host);
    drain(h);
    redecide();
  }

  void drain(int h) {
    Host& host = hosts_[h];
    for (auto it = host.queue.begin(); it != host.queue.end() && host.in_flight < kSlots;) {
      const int id = *it;
      const int m = requests_[id].model;
      if (!host.loaded.count(m)) {
        ++it;  // waits for its model's load on this host
        continue;
      }
      it = host.queue.erase(it);
      ++host.in_flight;
      ++host.running[m];
      host.loaded[m] = now_;
      stats_.waits.push_back(now_ - requests_[id].arrival);
      push({now_ + exp(1.0 / kServiceMean), 2, h, m, id});
    }
  }

  void service_done(int h, int id) {
    Host& host = hosts_[h];
    const int m = requests_[id].model;
    --host.in_flight;
    if (--host.running[m] == 0) host.running.erase(m);
    ++stats_.served;
    if (requests_[id].warm) ++stats_.warm;
    evict(host);
    if (!host.loaded.count(m) && policy_ != Policy::kRoci) {
      // A naive policy's queued requests for an evicted model need it loaded again.
      for (int q : host.queue) {
        if (requests_[q].model == m && !host.loading.count(m)) start_load(h, m);
      }
    }
    drain(h);
    redecide();
  }

  void redecide() {
    if (policy_ != Policy::kRoci || waiting_.empty()) return;
    std::vector<int> again;
    again.swap(waiting_);
    std::vector<int> hosts;
    hosts.swap(waiting_host_);
    for (int h : hosts) {
      if (h >= 0) --waiting_on_[h];
    }
    for (int id : again) place_roci(id);
  }

  Policy policy_;
  double seconds_, rate_, now_ = 0;
  std::mt19937_64 rng_;
  std::vector<double> popularity_;
  Host hosts_[kHosts];
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::vector<Request> requests_;
  std::vector<int> waiting_, waiting_host_;
  int waiting_on_[kHosts] = {};
  int rr_ = 0;
  Stats stats_;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3600, rate = 6;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rate")) rate = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seed")) seed = static_cast<unsigned>(std::atoi(argv[i + 1]));
  }
  std::printf(
      "fleet simulation: %d hosts x %d models, %d slots and %d resident models per host, "
      "Poisson %.1f req/s for %.0f s, Zipf popularity, loads 1-5 s, service exp(%.1f s), "
      "seed %u\n\n",
      kHosts, kModels, kSlots, kResident, rate, seconds, kServiceMean, seed);
  std::printf("%-16s %9s %7s %10s %10s %9s %9s\n", "policy", "requests", "loads", "duplicate",
              "warm share", "p50 wait", "p99 wait");
  for (Policy p : {Policy::kRoci, Policy::kRoundRobin, Policy::kLeastInFlight}) {
    Stats s = Sim(p, seconds, rate, seed).run();
    std::printf("%-16s %9d %7d %10d %9.1f%% %8.3fs %8.3fs\n", name(p), s.requests, s.loads,
                s.duplicate_loads, 100.0 * s.warm / std::max(1, s.served), percentile(s.waits, 0.5),
                percentile(s.waits, 0.99));
  }
  return 0;
}
