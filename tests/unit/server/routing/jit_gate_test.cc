// JitGate: one holder per model, waiters pass once it loaded, a failed holder hands the load to the
// oldest waiter, a vanished holder hands a confirmation, waits are bounded and cancellable, and
// the gate is one per upstream for the whole process.
#include "server/routing/jit_gate.h"

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace roci::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Role = JitGate::Role;

struct Entered {
  std::optional<Result<JitGate::Ticket>> result;
  bool has(Role role) const { return result && *result && (*result)->role() == role; }
};

asio::awaitable<void> enter_gate(std::shared_ptr<JitGate> gate, std::string model, Entered* out) {
  out->result.emplace(co_await gate->enter(model));
}

void drain_gate(asio::io_context& ioc) {
  ioc.restart();
  ioc.poll();
}

// Spawns one enter() into `out` and runs it as far as it goes.
void enter_one(asio::io_context& ioc, const std::shared_ptr<JitGate>& gate, Entered& out,
               const std::string& model = "m1") {
  asio::co_spawn(ioc, enter_gate(gate, model, &out), asio::detached);
  drain_gate(ioc);
}

// enter_one() per element of `out`, in order.
void enter_all(asio::io_context& ioc, const std::shared_ptr<JitGate>& gate,
               std::vector<Entered>& out, const std::string& model = "m1") {
  for (auto& e : out) enter_one(ioc, gate, e, model);
}

TEST(JitGate, OneHolderPerModelTheOthersPassOnceItLoaded) {
  asio::io_context ioc;
  auto gate = std::make_shared<JitGate>(JitGate::Options{.queue_timeout = 0ms});
  std::vector<Entered> six(6);
  enter_all(ioc, gate, six);
  EXPECT_TRUE(six[0].has(Role::kLoad));
  for (std::size_t i = 1; i < six.size(); ++i) EXPECT_FALSE(six[i].result) << i;
  EXPECT_EQ(gate->waiting("m1"), 5u);

  Entered other;  // another model is not held up
  enter_one(ioc, gate, other, "m2");
  EXPECT_TRUE(other.has(Role::kLoad));

  six[0].result->value().loaded();
  drain_gate(ioc);
  for (std::size_t i = 1; i < six.size(); ++i) {
    EXPECT_TRUE(six[i].has(Role::kPass)) << i;
    EXPECT_FALSE(six[i].result->value().holds());
  }
  Entered later;  // within warm_for: passes at once
  enter_one(ioc, gate, later);
  EXPECT_TRUE(later.has(Role::kPass));
}

TEST(JitGate, AFailedLoadLetsTheOldestWaiterTry) {
  asio::io_context ioc;
  auto gate = std::make_shared<JitGate>(JitGate::Options{.queue_timeout = 0ms});
  std::vector<Entered> three(3);
  enter_all(ioc, gate, three);
  three[0].result->value().failed();
  drain_gate(ioc);
  EXPECT_TRUE(three[1].has(Role::kLoad));
  EXPECT_FALSE(three[2].result);
  three[1].result->value().failed();
  drain_gate(ioc);
  EXPECT_TRUE(three[2].has(Role::kLoad));
  three[2].result->value().failed();
  Entered next;  // nobody held: the next request loads
  enter_one(ioc, gate, next);
  EXPECT_TRUE(next.has(Role::kLoad));
}

TEST(JitGate, AHolderThatWentAwayHandsOnAConfirmation) {
  asio::io_context ioc;
  auto gate = std::make_shared<JitGate>(JitGate::Options{.queue_timeout = 0ms});
  std::vector<Entered> two(2);
  enter_all(ioc, gate, two);
  two[0].result.reset();  // destroyed unfinished: the client went away mid-load
  drain_gate(ioc);
  EXPECT_TRUE(two[1].has(Role::kConfirm));
  two[1].result.reset();  // the confirmer went away too, with nobody waiting
  Entered next;
  enter_one(ioc, gate, next);
  EXPECT_TRUE(next.has(Role::kConfirm)) << "the abandoned load is confirmed, never doubled";
}

TEST(JitGate, AWaitIsBoundedByQueueTimeout) {
  asio::io_context ioc;
  auto gate = std::make_shared<JitGate>(JitGate::Options{.queue_timeout = 30ms});
  std::vector<Entered> two(2);
  enter_all(ioc, gate, two);
  const auto t0 = std::chrono::steady_clock::now();
  while (!two[1].result && std::chrono::steady_clock::now() - t0 < 2s) ioc.run_one_for(50ms);
  ASSERT_TRUE(two[1].result);
  ASSERT_FALSE(*two[1].result);
  EXPECT_EQ(two[1].result->error().kind, ErrorKind::kQueueFull);
  EXPECT_EQ(two[1].result->error().code, "queue_timeout");
  EXPECT_EQ(gate->waiting("m1"), 0u);
}

TEST(JitGate, ACancelledWaiterLeavesAndPassesOnWhatItWasHanded) {
  asio::io_context ioc;
  auto gate = std::make_shared<JitGate>(JitGate::Options{.queue_timeout = 0ms});
  Entered holder, gone, last;
  asio::co_spawn(ioc, enter_gate(gate, "m1", &holder), asio::detached);
  asio::cancellation_signal cancel;
  asio::co_spawn(ioc, enter_gate(gate, "m1", &gone),
                 asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  enter_one(ioc, gate, last);
  EXPECT_EQ(gate->waiting("m1"), 2u);
  // Handed the load and cancelled before it resumed: the load goes on to the next waiter.
  holder.result->value().failed();
  cancel.emit(asio::cancellation_type::terminal);
  drain_gate(ioc);
  ASSERT_TRUE(gone.result);
  EXPECT_EQ(gone.result->error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(last.has(Role::kLoad));
}

TEST(JitGate, OneGatePerUpstreamForTheProcess) {
  auto a = JitGate::shared("lmstudio http://127.0.0.1:1", {});
  auto b = JitGate::shared("lmstudio http://127.0.0.1:1", {});
  auto c = JitGate::shared("lmstudio http://127.0.0.1:2", {});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace roci::server
