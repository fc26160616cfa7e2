// A tiny blocking HTTP/1.1 client (Beast + raw socket reads) for the fakes' self-tests; it must
// not depend on roci_net, which is tested against these fakes.
//
//   MiniClient client(fake.port());
//   MiniResponse r = client.request("GET", "/v1/models");
//   EXPECT_EQ(r.status, 200);
#pragma once

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace roci::testing {

struct MiniResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key.size() == name.size() &&
          std::equal(key.begin(), key.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return value;
      }
    }
    return {};
  }
  boost::json::value json() const { return boost::json::parse(body); }
};

class MiniClient {
 public:
  explicit MiniClient(unsigned short port) : socket_(ioc_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }

  // Sends a request and reads the whole response (chunked bodies are decoded).
  MiniResponse request(const std::string& method, const std::string& target,
                       const std::string& body = {},
                       const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    send(method, target, body, headers);
    namespace http = boost::beast::http;
    http::response<http::string_body> response;
    http::read(socket_, buffer_, response);
    MiniResponse out;
    out.status = response.result_int();
    for (const auto& field : response) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(response.body());
    return out;
  }

  void send(const std::string& method, const std::string& target, const std::string& body = {},
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : headers) raw += name + ": " + value + "\r\n";
    if (!body.empty() || method == "POST") {
      raw += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n";
    }
    raw += "\r\n" + body;
    boost::asio::write(socket_, boost::asio::buffer(raw));
  }

  // Raw bytes until `stop` appears, the server closes, or `timeout` passes.
  std::string read_raw_until(std::string_view stop, std::chrono::milliseconds timeout,
                             bool* closed = nullptr) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    if (closed) *closed = false;
    while (out.find(stop) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd fd{socket_.native_handle(), POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) break;
      char chunk[8192];
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
      if (ec) {
        if (closed) *closed = true;
        break;
      }
      out.append(chunk, n);
    }
    return out;
  }

  // True when the server closes the connection within `timeout` (bytes read meanwhile dropped).
  bool wait_for_server_close(std::chrono::milliseconds timeout) {
    bool closed = false;
    read_raw_until("\x01never\x02", timeout, &closed);
    return closed;
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// Splits a raw chunked body ("<hex>\r\n<data>\r\n"... "0\r\n\r\n") into chunk payloads.
inline std::vector<std::string> dechunk(std::string_view raw) {
  std::vector<std::string> chunks;
  while (!raw.empty()) {
    const std::size_t eol = raw.find("\r\n");
    if (eol == std::string_view::npos) break;
    const std::size_t size = std::stoul(std::string(raw.substr(0, eol)), nullptr, 16);
    if (size == 0) break;
    if (raw.size() < eol + 2 + size) break;
    chunks.emplace_back(raw.substr(eol + 2, size));
    raw.remove_prefix(eol + 2 + size + 2);
  }
  return chunks;
}

// The body part of a raw response (after the blank line).
inline std::string_view raw_body(std::string_view raw) {
  const std::size_t at = raw.find("\r\n\r\n");
  return at == std::string_view::npos ? std::string_view() : raw.substr(at + 4);
}

}  // namespace roci::testing
