// A fleet under test: fake LM Studio hosts on port 0 and the real inference-server in front of
// them, configured with exactly FLEET.md's YAML shape (inference.backends + routing).
//
//   FleetUnderTest f({{"desk", {.models = {{"m1"}}}}, {"laptop", {.models = {{"m2"}}}}});
//   auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body("m2", "hi"));
//   EXPECT_EQ(r.header("X-Roci-Backend"), "laptop");
//   f.kill("desk"); ... f.revive("desk");          // the same port again
#pragma once

#include "integration/gateway_fixture.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace roci::testing {

struct FleetHost {
  std::string name;
  FakeOptions fake;
  std::string extra_yaml;  // more lines of the backend's item ("      max_concurrent: 1\n")
};

struct FleetSetup {
  std::vector<FleetHost> hosts;
  std::string routing_yaml = "routing:\n  probe_interval_secs: 1\n  cooldown_secs: 1\n";
  std::string more_yaml;  // e.g. "limits:\n  max_queue: 2\n"
  std::map<std::string, std::string> env;
};

class FleetUnderTest {
 public:
  explicit FleetUnderTest(FleetSetup setup) : setup_(std::move(setup)) {
    for (const auto& h : setup_.hosts) hosts_[h.name] = std::make_unique<FakeUpstream>(h.fake);
    static int counter = 0;
    path_ =
        std::filesystem::path(::testing::TempDir()) /
        ("roci_fleet_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".yaml");
    std::ofstream(path_) << yaml();
    gw_ = std::make_unique<GatewayUnderTest>(GatewaySetup{.fake = std::nullopt,
                                                          .provider = "lmstudio",
                                                          .env = setup_.env,
                                                          .args = {"--config", path_.string()}});
  }
  ~FleetUnderTest() {
    gw_.reset();
    std::filesystem::remove(path_);
  }

  // FLEET.md's shape: provider at the top, one item per host, routing below.
  std::string yaml() const {
    std::string y = "inference:\n  provider: lmstudio\n  backends:\n";
    for (const auto& h : setup_.hosts) {
      y += "    - name: " + h.name + "\n      base_url: " + hosts_.at(h.name)->base_url() + "\n";
      y += h.extra_yaml;
    }
    return y + setup_.routing_yaml + setup_.more_yaml;
  }

  // Reload: `hosts` become the configured list (new names get a fake of their own, hosts left
  // out keep running but are no longer configured); the file is rewritten whole and the gateway
  // sent SIGHUP. True once it logged `outcome`.
  bool reconfigure(std::vector<FleetHost> hosts, const std::string& outcome) {
    for (const auto& h : hosts) {
      if (!hosts_.contains(h.name)) hosts_[h.name] = std::make_unique<FakeUpstream>(h.fake);
    }
    setup_.hosts = std::move(hosts);
    const std::string tmp = path_.string() + ".tmp";
    std::ofstream(tmp) << yaml();
    std::filesystem::rename(tmp, path_);  // whole, as an editor saves it
    ::kill(gw_->process->pid(), SIGHUP);
    return gw_->process->wait_for_output(outcome, std::chrono::seconds(10));
  }

  unsigned short port() const { return gw_->port; }
  GatewayUnderTest& gateway() { return *gw_; }
  FakeUpstream& host(const std::string& name) { return *hosts_.at(name); }

  // The host stops listening (its connections close).
  void kill(const std::string& name) {
    auto& slot = hosts_.at(name);
    ports_[name] = slot->port();
    slot.reset();
  }
  // A new host on the port the killed one had, with its original options.
  void revive(const std::string& name) {
    for (const auto& h : setup_.hosts) {
      if (h.name != name) continue;
      FakeOptions o = h.fake;
      o.port = ports_.at(name);
      // The port may take a moment to be free again (the old sockets closing).
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      for (;;) {
        try {
          hosts_[name] = std::make_unique<FakeUpstream>(o);
          return;
        } catch (const std::exception&) {
          if (std::chrono::steady_clock::now() > deadline) throw;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    }
  }

  boost::json::value health() {
    auto r = http_call(port(), "GET", "/health");
    last_health_status_ = r.status;
    return r.json();
  }
  int last_health_status() const { return last_health_status_; }

  // The /health entry of backend `name`.
  boost::json::object backend(const std::string& name) {
    const boost::json::value doc = health();  // held: the loop walks into it
    for (const auto& b : doc.at("backends").as_array()) {
      if (b.at("name").as_string() == name) return b.as_object();
    }
    ADD_FAILURE() << "no backend " << name << " in /health";
    return {};
  }

  // Polls /health until `done` holds (probes run every second).
  bool wait_health(const std::function<bool(const boost::json::value&)>& done,
                   std::chrono::milliseconds timeout = std::chrono::seconds(8)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(health())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Every backend probed and reachable.
  bool wait_all_reachable() {
    return wait_health([](const boost::json::value& h) {
      for (const auto& b : h.at("backends").as_array()) {
        if (!b.at("reachable").as_bool()) return false;
      }
      return true;
    });
  }

 private:
  FleetSetup setup_;
  std::map<std::string, std::unique_ptr<FakeUpstream>> hosts_;
  std::map<std::string, unsigned short> ports_;
  std::filesystem::path path_;
  std::unique_ptr<GatewayUnderTest> gw_;
  int last_health_status_ = 0;
};

inline FakeModel loaded(std::string id) { return FakeModel{.id = std::move(id), .loaded = true}; }
inline FakeModel on_disk(std::string id) { return FakeModel{.id = std::move(id), .loaded = false}; }

}  // namespace roci::testing
