// TestServer: a scriptable loopback HTTP/1.1 server for the net tests (header-only).
//
//   TestServer server([](ServerConn& conn) {
//     while (auto request = conn.read_request()) conn.respond(200, "{\"ok\":true}");
//   });
//   HttpClient client(*parse_base_url(server.url()), {}, {"Test", server.url(), ""});
//
// Listens on 127.0.0.1 port 0 (never anything else) and runs every accepted connection's script
// on its own thread with blocking sockets, so scripts read top to bottom: read a request, write
// bytes, wait for a Gate the test opens, close, or wait until the client closes. Counters
// (accepted connections, requests, client closes) let tests assert what the client did. With an
// SSL_CTX the server speaks TLS. The destructor unblocks and joins every thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace roci::net::testing {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

// A one-shot signal from the test to a server script.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait(Ms timeout = 2s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

struct TestRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class TestServer;

class ServerConn {
 public:
  ServerConn(TestServer& server, int fd, SSL* ssl) : server_(server), fd_(fd), ssl_(ssl) {}
  ~ServerConn() { close(); }

  // Reads one request (header and Content-Length body). nullopt on EOF, error or timeout.
  inline std::optional<TestRequest> read_request(Ms timeout = 2s);
  // Writes all of `data`; false when the client is gone.
  bool write(std::string_view data) {
    while (!data.empty()) {
      const long n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                     : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  bool respond(int status, std::string_view body,
               std::string_view content_type = "application/json",
               std::string_view extra_headers = "") {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: ";
    out.append(content_type).append("\r\nContent-Length: ").append(std::to_string(body.size()));
    out.append("\r\n").append(extra_headers).append("\r\n").append(body);
    return write(out);
  }
  bool start_chunked(int status = 200, std::string_view content_type = "text/event-stream") {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: ";
    out.append(content_type).append("\r\nTransfer-Encoding: chunked\r\n\r\n");
    return write(out);
  }
  bool chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out = size;
    out.append(data).append("\r\n");
    return write(out);
  }
  bool end_chunks() { return write("0\r\n\r\n"); }
  // Waits until the client closed its side (EOF or reset); discards anything it sends meanwhile.
  inline bool wait_client_close(Ms timeout = 2s);
  void close() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (fd_ >= 0) {
      ::shutdown(fd_, SHUT_RDWR);
      ::close(fd_);
      fd_ = -1;
    }
  }
  int fd() const { return fd_; }

 private:
  // Some bytes into buffer_: >0 read, 0 EOF, -1 error, -2 timeout.
  inline long read_more(Ms timeout);

  TestServer& server_;
  int fd_;
  SSL* ssl_;
  std::string buffer_;
};

class TestServer {
 public:
  using Script = std::function<void(ServerConn&)>;

  explicit TestServer(Script script, SSL_CTX* tls = nullptr)
      : script_(std::move(script)), tls_(tls) {
    // OpenSSL's socket BIO writes with write(2): a TLS alert or close_notify sent to a client that
    // already left would raise SIGPIPE and kill the test process. Plain writes use MSG_NOSIGNAL.
    std::signal(SIGPIPE, SIG_IGN);
    if (tls_ != nullptr) SSL_CTX_up_ref(tls_);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~TestServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // unblock scripts
    }
    for (auto& t : threads_) t.join();
    if (tls_ != nullptr) SSL_CTX_free(tls_);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const {
    return std::string(tls_ != nullptr ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(port_);
  }
  int accepted() const { return accepted_; }
  int requests() const { return requests_; }
  int client_closes() const { return client_closes_; }
  int tls_failures() const { return tls_failures_; }
  bool stopping() const { return stopping_; }

  // Polls `done` until it holds or `timeout` passes.
  static bool eventually(const std::function<bool()>& done, Ms timeout = 1s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

 private:
  friend class ServerConn;

  void accept_loop() {
    while (!stopping_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      ++accepted_;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mutex_);
      open_fds_.push_back(fd);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    SSL* ssl = nullptr;
    if (tls_ != nullptr) {
      timeval tv{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ssl = SSL_new(tls_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        ++tls_failures_;
        ERR_clear_error();
        SSL_free(ssl);
        forget(fd);
        ::close(fd);
        return;
      }
    }
    ServerConn conn(*this, fd, ssl);
    script_(conn);
    forget(fd);
  }

  void forget(int fd) {
    std::lock_guard lock(mutex_);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  }

  Script script_;
  SSL_CTX* tls_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> client_closes_{0};
  std::atomic<int> tls_failures_{0};
  std::mutex mutex_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

long ServerConn::read_more(Ms timeout) {
  if (fd_ < 0) return -1;
  char chunk[16384];
  if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r == 0) return -2;
    if (r < 0) return -1;
  }
  const long n =
      ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_, chunk, sizeof chunk, 0);
  if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
  if (n < 0 && ssl_ != nullptr) {
    const int error = SSL_get_error(ssl_, static_cast<int>(n));
    ERR_clear_error();
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
  }
  return n < 0 ? -1 : n;
}

std::optional<TestRequest> ServerConn::read_request(Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining = [&] {
    return std::max(Ms(0),
                    std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now()));
  };
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const long n = read_more(remaining());
    if (n <= 0) {
      if (n == 0 || n == -1) ++server_.client_closes_;
      return std::nullopt;
    }
  }
  TestRequest request;
  std::string_view head(buffer_.data(), end);
  std::size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 + 1);
  request.method = line.substr(0, sp1);
  request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (line_end != std::string_view::npos) {
    const auto next = head.find("\r\n", line_end + 2);
    std::string_view field =
        head.substr(line_end + 2,
                    next == std::string_view::npos ? std::string_view::npos : next - line_end - 2);
    const auto colon = field.find(':');
    if (colon != std::string_view::npos) {
      std::string name(field.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      request.headers[name] = value;
    }
    line_end = next;
  }
  buffer_.erase(0, end + 4);
  const std::size_t length =
      request.headers.count("content-length") ? std::stoul(request.headers["content-length"]) : 0;
  while (buffer_.size() < length) {
    if (read_more(remaining()) <= 0) return std::nullopt;
  }
  request.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  ++server_.requests_;
  return request;
}

bool ServerConn::wait_client_close(Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left <= Ms(0)) return false;
    const long n = read_more(left);
    if (n == -2) return false;
    if (n == 0 || n == -1) {
      ++server_.client_closes_;
      return true;
    }
    buffer_.clear();
  }
}

}  // namespace roci::net::testing
