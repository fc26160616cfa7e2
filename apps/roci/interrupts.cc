#include "interrupts.h"

#include <pthread.h>
#include <csignal>

namespace roci::cli {
namespace {

// SIGUSR2 ends the watcher (sent to it by the destructor).
sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR2);
  return set;
}

}  // namespace

Interrupts::Interrupts(std::function<void()> on_idle) : on_idle_(std::move(on_idle)) {
  const sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watcher_ = std::thread([this] { watch(); });
}

Interrupts::~Interrupts() {
  pthread_kill(watcher_.native_handle(), SIGUSR2);
  watcher_.join();
}

void Interrupts::watch() {
  const sigset_t set = watched_signals();
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0 || signal == SIGUSR2) return;
    std::unique_lock lock(mutex_);
    if (current_) {
      current_->request_stop();
      continue;
    }
    lock.unlock();
    if (on_idle_) on_idle_();
  }
}

Interrupts::Answer Interrupts::begin_answer() {
  std::lock_guard lock(mutex_);
  current_.emplace();
  return Answer(*this);
}

Interrupts::Answer::~Answer() {
  std::lock_guard lock(owner_.mutex_);
  owner_.current_.reset();
}

std::stop_token Interrupts::Answer::token() const {
  std::lock_guard lock(owner_.mutex_);
  return owner_.current_ ? owner_.current_->get_token() : std::stop_token{};
}

}  // namespace roci::cli
