// ChildProcess: runs a real binary (inference-server, fake-upstream) for end-to-end tests.
//
//   ChildProcess gw(gateway_binary(), {"--port", "0"}, {{"INFERENCE_INFERENCE_PROVIDER", "mock"}});
//   std::string url = gw.wait_for_url("inference-server listening on ");   //
//   "http://127.0.0.1:PORT"
//   ...
//   EXPECT_EQ(gw.stop(SIGTERM), 0);
//
// The child gets a clean environment (PATH, HOME, LANG plus `env`), so no INFERENCE_* variable of
// the developer's shell leaks into a test, and no descriptor but stdin, stdout and stderr (the
// test's sockets stay the test's). stdout and stderr go to one temporary file that output()
// reads, so a chatty child never blocks on a full pipe. The destructor kills a child still running.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace roci::testing {

inline std::string gateway_binary() {
  return std::string(ROCI_BINARY_DIR) + "/apps/inference-server";
}
inline std::string fake_upstream_binary() {
  return std::string(ROCI_BINARY_DIR) + "/tests/fake-upstream";
}
inline std::string roci_cli_binary() { return std::string(ROCI_BINARY_DIR) + "/apps/roci"; }

class ChildProcess {
 public:
  ChildProcess(const std::string& exe, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {}) {
    char tmpl[] = "/tmp/roci-child-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    output_path_ = tmpl;

    std::map<std::string, std::string> full_env;
    for (const char* name : {"PATH", "HOME", "LANG", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
      if (const char* v = std::getenv(name)) full_env[name] = v;
    }
    for (const auto& [k, v] : env) full_env[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : full_env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::vector<std::string> argv_strings{exe};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // Nothing else of the test process: an inherited listening socket of an in-process fake
    // upstream would keep accepting (and never answering) after the test killed that fake.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    const int rc = posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fd);
    if (rc != 0) throw std::runtime_error("cannot start " + exe);
  }

  ~ChildProcess() {
    if (running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    unlink(output_path_.c_str());
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  std::string output() const {
    std::ifstream in(output_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Waits until the output contains `marker` and returns the rest of that line ("" on timeout or
  // when the child exited first).
  std::string wait_for_line(const std::string& marker,
                            std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string out = output();
      if (auto pos = out.find(marker); pos != std::string::npos) {
        auto end = out.find('\n', pos);
        if (end != std::string::npos)
          return out.substr(pos + marker.size(), end - pos - marker.size());
      }
      if (!running()) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return {};
  }

  // Waits until the output contains `text`; false on timeout.
  bool wait_for_output(const std::string& text,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (output().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  bool running() {
    if (exited_) return false;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    return true;
  }

  // Sends `sig` and waits for the exit; returns the exit code (128+signal when killed by one), or
  // -1 when it did not exit within `timeout` (it is then killed).
  int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    if (running()) kill(pid_, sig);
    return wait(timeout);
  }

  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        exited_ = true;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return exit_code_;
  }

  pid_t pid() const { return pid_; }

  // Its resident set in KiB (VmRSS; 0 when unreadable).
  long resident_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
    }
    return 0;
  }

 private:
  pid_t pid_ = -1;
  std::string output_path_;
  bool exited_ = false;
  int exit_code_ = -1;
};

}  // namespace roci::testing
