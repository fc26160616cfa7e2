// Runs the real `roci` binary as a person would: at a terminal (a pseudo-terminal from forkpty,
// so stdin is a tty, Ctrl-C is the terminal's SIGINT and Ctrl-D its end of input), or with a pipe
// on stdin (`git diff | roci chat ...`).
//
//   Terminal t(roci_cli_binary(), {"chat", "lmstudio:llama3.3"}, {{"LMSTUDIO_BASE_URL", url}});
//   ASSERT_TRUE(t.expect(">>> "));
//   t.type("hello\n");
//   ASSERT_TRUE(t.expect("Echo: hello"));
//   t.type(Terminal::kCtrlD);
//   EXPECT_EQ(t.wait(), 0);
//
// The child gets a clean environment (PATH, HOME, LANG, sanitizer options, TERM=dumb plus `env`).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace roci::testing {

inline std::vector<std::string> child_env(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> full{{"TERM", "dumb"}};
  for (const char* name : {"PATH", "HOME", "LANG", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
    if (const char* v = std::getenv(name)) full[name] = v;
  }
  for (const auto& [k, v] : env) full[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : full) out.push_back(k + "=" + v);
  return out;
}

inline std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Reads a child's output from `fd` (non-blocking) and waits for its exit.
class ChildOutput {
 public:
  // Waits until `text` appears after what the previous expect() matched; false on timeout.
  bool expect(std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto pos = output_.find(text, mark_); pos != std::string::npos) {
        mark_ = pos + text.size();
        return true;
      }
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds(0) || !read_some(left)) return false;
    }
  }

  // Waits until anything arrives after what expect() last matched; false on timeout.
  bool expect_more(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (output_.size() <= mark_) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds(0) || !read_some(left)) return false;
    }
    mark_ = output_.size();
    return true;
  }

  // Everything read so far, after reading what is pending.
  const std::string& output() {
    while (read_some(std::chrono::milliseconds(0))) {
    }
    return output_;
  }

  // The exit code (128 + signal when killed by one), or -1 after `timeout` (the child is killed).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      read_some(std::chrono::milliseconds(0));
      if (waitpid(pid_, &status, WNOHANG) == pid_) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    output();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 protected:
  ChildOutput() = default;
  ~ChildOutput() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }

  // One read of what is available within `timeout`; false at the end or on timeout.
  bool read_some(std::chrono::steady_clock::duration timeout) {
    pollfd p{fd_, POLLIN, 0};
    const int ms =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
    if (poll(&p, 1, ms) <= 0) return false;
    char buffer[4096];
    const ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n <= 0) return false;  // EOF, or EIO once the pty's child side is closed
    output_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
  std::size_t mark_ = 0;
};

class Terminal : public ChildOutput {
 public:
  static constexpr std::string_view kCtrlC = "\x03";
  static constexpr std::string_view kCtrlD = "\x04";

  Terminal(const std::string& exe, std::vector<std::string> args,
           const std::map<std::string, std::string>& env = {}) {
    auto env_strings = child_env(env);
    args.insert(args.begin(), exe);
    auto argv = pointers(args);
    auto envp = pointers(env_strings);
    winsize size{.ws_row = 40, .ws_col = 200, .ws_xpixel = 0, .ws_ypixel = 0};
    pid_ = forkpty(&fd_, nullptr, nullptr, &size);
    if (pid_ < 0) throw std::runtime_error("forkpty failed");
    if (pid_ == 0) {
      execve(exe.c_str(), argv.data(), envp.data());
      _exit(127);
    }
  }

  void type(std::string_view keys) {
    while (!keys.empty()) {
      const ssize_t n = write(fd_, keys.data(), keys.size());
      if (n <= 0) throw std::runtime_error("cannot write to the terminal");
      keys.remove_prefix(static_cast<std::size_t>(n));
    }
  }
};

// The binary with `input` on a pipe as its stdin; stdout and stderr on another pipe.
class Piped : public ChildOutput {
 public:
  Piped(const std::string& exe, std::vector<std::string> args, std::string_view input,
        const std::map<std::string, std::string>& env = {}) {
    signal(SIGPIPE, SIG_IGN);  // a child that exits before reading its input: EPIPE, no signal
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
    auto env_strings = child_env(env);
    args.insert(args.begin(), exe);
    auto argv = pointers(args);
    auto envp = pointers(env_strings);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const int rc = posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    fd_ = out[0];
    if (rc != 0) throw std::runtime_error("cannot start " + exe);
    // The input is small (a pipe buffer holds 64 KiB); closing it is the end of stdin.
    (void)!write(in[1], input.data(), input.size());
    close(in[1]);
  }
};

}  // namespace roci::testing
