// JitGate: single flight for the one-upstream gateway (no inference.backends). At most one request
// at a time reaches the upstream for a model it has not loaded; the others for that model wait for
// its answer (or, streaming, its first event), then go together to the loaded model.
//
//   auto gate = JitGate::shared(upstream_key, {.queue_timeout = 60s});   // process-wide
//   auto ticket = co_await gate->enter("qwen3-8b");                       // Result<Ticket>
//   if (!ticket) ...                                    // kQueueFull "queue_timeout", kCancelled
//   // ticket->role(): kPass (loaded meanwhile: just send), kLoad (send; this request loads it),
//   // kConfirm (a loader went away: ask the host whether it still loads, then load or pass)
//   auto r = co_await provider.generate(request);
//   if (r) ticket->loaded(); else if (r.error().kind != ErrorKind::kCancelled) ticket->failed();
//   // a ticket destroyed unfinished (cancelled) hands kConfirm to the next waiter
//
// Why: LM Studio's JIT loader starts a second copy of a model ("m:2", lmstudio-bug-tracker #1751,
// #168) for every first request that arrives while the model loads. The gateway only gates a
// request whose model the catalog lists as not loaded (model_resolver.cc), so a loaded model's
// requests never touch the gate.
//
// Outcomes of the holder (the one request sent for the model):
//  - loaded(): every waiter passes at once, and so does every request for the model during
//    `warm_for` (other threads' catalogs may still list it as not loaded for up to their TTL);
//  - failed() (the host answered with an error): the oldest waiter becomes the holder (kLoad);
//  - destroyed unfinished (the client went away while the host may still be loading): the oldest
//    waiter, or the next request, becomes the holder with kConfirm: it asks the host's model list
//    until the model is loaded (pass) or neither loaded nor loading (it loads), so the abandoned
//    load is never doubled and nobody waits for it forever.
// A waiter waits at most queue_timeout (0: forever), then fails with kQueueFull
// "queue_timeout"; a cancelled waiter leaves the queue at once (and passes on a role handed to it).
//
// Threading: thread-safe; one mutex held for a few instructions, never across co_await. A waiter
// is woken on its own executor (posted). The gate outlives its tickets (they hold a shared_ptr).
#pragma once

#include <roci/core/error.h>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace roci::server {

namespace asio = boost::asio;

class JitGate : public std::enable_shared_from_this<JitGate> {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::milliseconds queue_timeout{std::chrono::seconds(60)};  // 0: forever
    std::chrono::milliseconds warm_for{std::chrono::seconds(5)};
  };
  enum class Role { kPass, kLoad, kConfirm };

  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

    Role role() const { return role_; }
    bool holds() const { return gate_ != nullptr; }
    // The model answered: the waiters pass.
    void loaded();
    // The host refused or failed: the next waiter tries.
    void failed();
    // kConfirm found the model neither loaded nor loading: this request loads it.
    void load() { role_ = Role::kLoad; }

   private:
    friend class JitGate;
    Ticket(std::shared_ptr<JitGate> gate, std::string model, Role role);
    std::shared_ptr<JitGate> gate_;  // null: nothing held (kPass, or finished)
    std::string model_;
    Role role_ = Role::kPass;
  };

  // The gate of upstream `key` (its kind and base URL), shared by every worker thread and every
  // configuration generation of the process; the first caller's options win.
  static std::shared_ptr<JitGate> shared(const std::string& key, Options options);

  explicit JitGate(Options options) : options_(options) {}
  JitGate(const JitGate&) = delete;
  JitGate& operator=(const JitGate&) = delete;

  // See the header comment. Errors: kQueueFull ("queue_timeout"), kCancelled.
  asio::awaitable<Result<Ticket>> enter(std::string_view model);

  const Options& options() const { return options_; }
  // Requests waiting for `model` (tests, logs).
  std::size_t waiting(std::string_view model) const;

  struct Waiter;  // jit_gate.cc

 private:
  enum class Outcome { kLoaded, kFailed, kOrphaned };
  struct Entry {
    bool held = false;
    bool confirm_next = false;  // the last holder went away with nobody waiting
    Clock::time_point warm_until{};
    std::deque<std::shared_ptr<Waiter>> waiters;
  };
  void finish(const std::string& model, Outcome outcome);
  // Hands the hold to the oldest waiter with `role` (collected into `woken`); false when nobody
  // waits.
  static bool hand_over_locked(Entry& entry, Role role, std::deque<std::shared_ptr<Waiter>>& woken);

  const Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace roci::server
