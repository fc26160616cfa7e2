// HTTP/1.1 framing shared by the test client (test_http_client.h), the test server core
// (test_http_server.h) and the bench load clients (bench/tools): one incremental response reader
// over Beast's parser, one SSE event splitter, and the byte builders for requests and chunks.
//
//   ResponseFramer framer;
//   std::size_t used = 0;
//   auto status = framer.feed(bytes.data(), bytes.size(), &used, [&](std::string_view piece) {
//     body += piece;  // de-chunked body bytes, as they arrive
//   });
//   if (status == ResponseFramer::Status::kDone) use(framer.status(), framer.keep_alive());
//
// Header-only: the bench tools share it without linking the test support library.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace roci::testing {

// Header fields in wire order, names as sent.
using Fields = std::vector<std::pair<std::string, std::string>>;

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The value of the first field named `name` (case-insensitive); "" when absent.
inline std::string field_value(const Fields& fields, std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (iequals(key, name)) return value;
  }
  return {};
}

// Reads one HTTP/1.x response from bytes fed as they arrive: Content-Length, chunked and
// close-delimited bodies, 1xx/204/304 without a body. Beast's parser does the framing and its
// checks (a malformed response is kError, never a guess). One framer per response.
class ResponseFramer {
 public:
  enum class Status { kMore, kDone, kError };

  struct Options {
    std::size_t header_limit = 1u << 20;
    std::optional<std::uint64_t> body_limit;  // nullopt: none
    bool keep_headers = true;                 // record headers() (the bench does not)
    bool head_request = false;                // the response to a HEAD request has no body
  };

  ResponseFramer() : ResponseFramer(Options{}) {}
  explicit ResponseFramer(Options options) {
    parser_.eager(true);
    parser_.header_limit(static_cast<std::uint32_t>(options.header_limit));
    if (options.body_limit) {
      parser_.body_limit(*options.body_limit);
    } else {
      parser_.body_limit(boost::none);
    }
    parser_.skip(options.head_request);
    parser_.keep_headers = options.keep_headers;
  }

  // Feeds `size` bytes; calls on_body(std::string_view) for each run of (de-chunked) body bytes.
  // *consumed is the number of bytes used: all of them unless the response ends inside them (the
  // rest then belongs to the next response). A partial status line, header or chunk-size line is
  // kept inside the framer until the bytes that complete it arrive.
  template <class OnBody>
  Status feed(const char* data, std::size_t size, std::size_t* consumed, OnBody&& on_body) {
    using Fn = std::remove_reference_t<OnBody>;
    parser_.sink = &on_body;
    parser_.sink_fn = [](void* f, std::string_view bytes) { (*static_cast<Fn*>(f))(bytes); };
    const Status status = put(data, size, consumed);
    parser_.sink = nullptr;
    return status;
  }

  // The peer closed the connection: ends a close-delimited body; any other response is cut.
  Status on_eof() {
    if (parser_.is_done()) return Status::kDone;
    boost::beast::error_code ec;
    parser_.put_eof(ec);
    if (ec) {
      error_ = ec.message();
      return Status::kError;
    }
    return parser_.is_done() ? Status::kDone : Status::kError;
  }

  int status() const { return parser_.status; }
  bool keep_alive() const { return parser_.is_header_done() && parser_.keep_alive(); }
  bool in_head() const { return !parser_.is_header_done(); }
  bool done() const { return parser_.is_done(); }
  bool chunked() const { return parser_.is_header_done() && parser_.chunked(); }
  const Fields& headers() const { return parser_.fields; }
  // Data chunks whose size line was read (chunked bodies): body bytes passed to on_body belong to
  // chunk number chunks_started() - 1.
  std::size_t chunks_started() const { return parser_.chunks; }
  // Why feed() or on_eof() returned kError.
  const std::string& error() const { return error_; }

 private:
  struct Parser : boost::beast::http::basic_parser<false> {
    int status = 0;
    bool keep_headers = true;
    Fields fields;
    std::size_t chunks = 0;
    void* sink = nullptr;
    void (*sink_fn)(void*, std::string_view) = nullptr;

    void deliver(boost::beast::string_view bytes) {
      if (sink != nullptr && !bytes.empty())
        sink_fn(sink, std::string_view(bytes.data(), bytes.size()));
    }
    void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                         boost::beast::string_view, int, boost::beast::error_code&) override {}
    void on_response_impl(int code, boost::beast::string_view, int,
                          boost::beast::error_code&) override {
      status = code;
    }
    void on_field_impl(boost::beast::http::field, boost::beast::string_view name,
                       boost::beast::string_view value, boost::beast::error_code&) override {
      if (keep_headers) fields.emplace_back(std::string(name), std::string(value));
    }
    void on_header_impl(boost::beast::error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&,
                           boost::beast::error_code&) override {}
    std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code&) override {
      deliver(body);
      return body.size();
    }
    void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view,
                              boost::beast::error_code&) override {
      if (size > 0) ++chunks;
    }
    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                   boost::beast::error_code&) override {
      deliver(body);
      return body.size();
    }
    void on_finish_impl(boost::beast::error_code&) override {}
  };

  Status put(const char* data, std::size_t size, std::size_t* consumed) {
    if (parser_.is_done()) {
      *consumed = 0;
      return Status::kDone;
    }
    const bool carried = !carry_.empty();
    if (carried) carry_.append(data, size);
    const std::string_view input =
        carried ? std::string_view(carry_) : std::string_view(data, size);
    std::size_t used = 0;
    while (used < input.size() && !parser_.is_done()) {
      boost::beast::error_code ec;
      const std::size_t n =
          parser_.put(boost::asio::const_buffer(input.data() + used, input.size() - used), ec);
      used += n;
      if (ec == boost::beast::http::error::need_more) break;
      if (ec) {
        error_ = ec.message();
        *consumed = size;
        return Status::kError;
      }
      if (n == 0) break;
    }
    if (parser_.is_done()) {
      // The end lies in the new bytes: what was carried could not complete the response alone.
      const std::size_t rest = input.size() - used;
      *consumed = size >= rest ? size - rest : 0;
      carry_.clear();
      return Status::kDone;
    }
    if (carried) {
      carry_.erase(0, used);
    } else {
      carry_.assign(input.substr(used));
    }
    *consumed = size;
    return Status::kMore;
  }

  Parser parser_;
  std::string carry_;
  std::string error_;
};

// Splits an event-stream body into SSE events (blank-line separated, CR dropped): on_event gets
// the text of each complete event without the blank line.
class SseSplitter {
 public:
  template <class OnEvent>
  void feed(std::string_view bytes, OnEvent&& on_event) {
    for (char c : bytes) {
      if (c == '\r') continue;
      if (c == '\n' && !carry_.empty() && carry_.back() == '\n') {
        carry_.pop_back();
        if (!carry_.empty()) on_event(std::string_view(carry_));
        carry_.clear();
        continue;
      }
      carry_.push_back(c);
    }
  }
  void reset() { carry_.clear(); }

 private:
  std::string carry_;
};

// The data of one SSE event: its "data:" lines joined by '\n' (one space after the colon dropped).
inline std::string sse_event_data(std::string_view event) {
  std::string out;
  bool first = true;
  while (!event.empty()) {
    const std::size_t eol = event.find('\n');
    std::string_view line = event.substr(0, eol);
    event = eol == std::string_view::npos ? std::string_view() : event.substr(eol + 1);
    if (!line.starts_with("data:")) continue;
    line.remove_prefix(5);
    if (line.starts_with(' ')) line.remove_prefix(1);
    if (!first) out.push_back('\n');
    out.append(line);
    first = false;
  }
  return out;
}

// Request bytes: "METHOD target HTTP/1.1", Host (from `fields` when given there, else
// 127.0.0.1), the other fields in order, then Content-Type: application/json and Content-Length
// unless `fields` has them (both only with a body or a POST/PUT/PATCH), then `raw_fields` verbatim
// (each line ending in \r\n), the blank line and the body.
inline std::string request_text(std::string_view method, std::string_view target,
                                std::string_view body = {}, const Fields& fields = {},
                                std::string_view raw_fields = {}) {
  std::string out;
  out.reserve(body.size() + 256);
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  const std::string host = field_value(fields, "host");
  out.append(host.empty() ? std::string_view("127.0.0.1") : std::string_view(host)).append("\r\n");
  for (const auto& [name, value] : fields) {
    if (iequals(name, "host")) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  const bool has_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (has_body && field_value(fields, "content-type").empty()) {
    out.append("Content-Type: application/json\r\n");
  }
  if (has_body && field_value(fields, "content-length").empty() &&
      field_value(fields, "transfer-encoding").empty()) {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append(raw_fields).append("\r\n").append(body);
  return out;
}

// One chunk of a chunked body: "<hex size>\r\n<bytes>\r\n"; kLastChunk ends the body.
inline std::string chunk_frame(std::string_view bytes) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  std::string frame(size);
  frame.append(bytes).append("\r\n");
  return frame;
}
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace roci::testing
