// Ctrl-C as a stop request: SIGINT ends the answer in progress, not the program.
//
//   Interrupts interrupts([] { /* Ctrl-C while no answer runs */ });
//   {
//     auto answer = interrupts.begin_answer();   // a std::stop_token for this answer
//     provider.stream_text(request, answer.token());
//   }                                            // the answer ended: Ctrl-C is idle again
//
// SIGINT is blocked in every thread the process starts after the constructor (construct it
// first, before the SDK starts its runtime thread), and a watcher thread takes it with sigwait:
// with an answer in progress it requests that answer's stop (TextStream closes the upstream
// connection); otherwise it calls `on_idle` on the watcher thread. Other signals keep their
// default action (SIGTERM ends the process; the kernel closes its sockets).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

namespace roci::cli {

class Interrupts {
 public:
  explicit Interrupts(std::function<void()> on_idle);
  ~Interrupts();
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;

  // The answer in progress until destroyed; one at a time.
  class Answer {
   public:
    explicit Answer(Interrupts& owner) : owner_(owner) {}
    ~Answer();
    Answer(const Answer&) = delete;
    Answer& operator=(const Answer&) = delete;
    std::stop_token token() const;

   private:
    Interrupts& owner_;
  };
  Answer begin_answer();

 private:
  void watch();

  std::function<void()> on_idle_;
  std::mutex mutex_;
  std::optional<std::stop_source> current_;  // the answer in progress
  std::thread watcher_;
};

}  // namespace roci::cli
