// Small synchronous HTTP helpers for end-to-end tests: one request/response with Beast, and a raw
// socket for byte-exact and disconnect scenarios.
//
//   auto res = http_call(port, "POST", "/v1/chat/completions", body);
//   EXPECT_EQ(res.status, 200); auto json = res.json();
//   RawConnection raw(port); raw.send(request_text); raw.read_until("data: ", 2s); raw.close();
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/socket.h>
#include <sys/time.h>

namespace roci::testing {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct TestResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  boost::json::value json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value() : v;
  }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline unsigned short port_of(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  return u ? static_cast<unsigned short>(u->port_number()) : 0;
}

inline void set_socket_timeout(tcp::socket& s, std::chrono::milliseconds t) {
  timeval tv{static_cast<time_t>(t.count() / 1000),
             static_cast<suseconds_t>((t.count() % 1000) * 1000)};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

inline TestResponse http_call(unsigned short port, std::string_view method, std::string_view target,
                              std::string body = {},
                              std::vector<std::pair<std::string, std::string>> headers = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  boost::asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  set_socket_timeout(socket, timeout);
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  bool has_content_type = false;
  for (auto& [k, v] : headers) {
    req.set(k, v);
    if (boost::beast::iequals(k, "content-type")) has_content_type = true;
  }
  if (!body.empty() && !has_content_type) req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(512u << 20);
  parser.header_limit(1u << 20);
  http::read(socket, buffer, parser);
  TestResponse out;
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  return out;
}

inline std::string chat_body(std::string_view model, std::string_view prompt, bool stream = false,
                             std::string_view extra = {}) {
  boost::json::object o{
      {"model", model},
      {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", prompt}}}}};
  if (stream) o["stream"] = true;
  std::string s = boost::json::serialize(o);
  if (!extra.empty()) {
    s.pop_back();
    s += ",";
    s += extra;
    s += "}";
  }
  return s;
}

// A raw client connection: exact bytes in and out. `receive_buffer_bytes` > 0 sets SO_RCVBUF
// before connecting (a small window: a client that stops reading stalls the server quickly).
// closed() tells whether a read ended at EOF or a reset rather than at the timeout.
class RawConnection {
 public:
  explicit RawConnection(unsigned short port, int receive_buffer_bytes = 0) : socket_(io_) {
    socket_.open(tcp::v4());
    if (receive_buffer_bytes > 0) {
      socket_.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer_bytes));
    }
    socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    set_socket_timeout(socket_, std::chrono::seconds(30));
  }
  void send(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
  // Reads until `needle` appears in what was received (or EOF/timeout); returns everything so far.
  std::string read_until(std::string_view needle,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    set_socket_timeout(socket_, timeout);
    while (received_.find(needle) == std::string::npos && read_more()) {
    }
    return received_;
  }
  std::string read_to_eof(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    set_socket_timeout(socket_, timeout);
    while (read_more()) {
    }
    return received_;
  }
  // Reads one whole Content-Length response and removes it from received(): "" when the
  // connection ended or timed out first. For keep-alive exchanges on one connection.
  std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const std::string head = read_until("\r\n\r\n", timeout);
    const std::size_t head_end = head.find("\r\n\r\n");
    if (head_end == std::string::npos) return {};
    std::string lower = received_.substr(0, head_end);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t at = lower.find("\r\ncontent-length:");
    const std::size_t length = at == std::string::npos ? 0 : std::stoul(lower.substr(at + 17));
    const std::size_t total = head_end + 4 + length;
    set_socket_timeout(socket_, timeout);
    while (received_.size() < total) {
      if (!read_more()) return {};
    }
    std::string response = received_.substr(0, total);
    received_.erase(0, total);
    return response;
  }
  // True once a read saw the server close the connection (EOF or reset).
  bool closed() const { return closed_; }
  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  const std::string& received() const { return received_; }

 private:
  // One read into received(); false at EOF, reset or the socket timeout (see note_end).
  bool read_more() {
    char buf[4096];
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(buf), ec);
    if (ec || n == 0) {
      note_end(ec);
      return false;
    }
    received_.append(buf, n);
    return true;
  }
  void note_end(const boost::system::error_code& ec) {
    // SO_RCVTIMEO expiry reads as would_block / try_again; anything else ends the connection.
    closed_ = !ec || (ec != boost::asio::error::would_block && ec != boost::asio::error::try_again);
  }

  boost::asio::io_context io_;
  tcp::socket socket_;
  std::string received_;
  bool closed_ = false;
};

// The status codes of the responses in raw HTTP/1.x text, in order ("HTTP/1.1 200 OK" -> 200).
// Every "HTTP/1." counts: for responses whose bodies do not quote a status line.
inline std::vector<int> raw_statuses(std::string_view text) {
  std::vector<int> out;
  for (std::size_t pos = 0; (pos = text.find("HTTP/1.", pos)) != std::string_view::npos; ++pos) {
    if (pos + 12 > text.size()) break;
    out.push_back(std::atoi(std::string(text.substr(pos + 9, 3)).c_str()));
  }
  return out;
}

// Raw request text for a POST with a JSON body.
inline std::string raw_post(std::string_view target, std::string_view body,
                            std::string_view extra_headers = {}) {
  std::string s =
      "POST " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
      std::string(extra_headers) + "\r\n";
  s += body;
  return s;
}

// Decodes an HTTP/1.1 chunked body ("<hex>\r\n<data>\r\n...0\r\n\r\n") into its payload.
inline std::string dechunk(std::string_view body) {
  std::string out;
  while (!body.empty()) {
    const auto eol = body.find("\r\n");
    if (eol == std::string_view::npos) break;
    const std::size_t n = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
    if (n == 0) break;
    out.append(body.substr(eol + 2, n));
    body.remove_prefix(eol + 2 + n + 2);
  }
  return out;
}

// SSE data payloads of a decoded event stream, in order ("[DONE]" included).
inline std::vector<std::string> sse_data(std::string_view stream) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = stream.find("data: ", pos)) != std::string_view::npos) {
    const auto end = stream.find("\n\n", pos);
    out.emplace_back(stream.substr(pos + 6, end - pos - 6));
    if (end == std::string_view::npos) break;
    pos = end + 2;
  }
  return out;
}

}  // namespace roci::testing
