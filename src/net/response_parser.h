// ResponseParser: a Beast HTTP/1.1 response parser that copies the body straight into a caller's
// string, so streamed pieces are handed out as they arrive and nothing is buffered twice.
//
//   ResponseHead head;
//   ResponseParser parser(head, /*header_limit=*/65536, /*body_limit=*/64 << 20);
//   co_await http::async_read_header(stream, buffer, parser, ...);   // head.status, content_type
//   parser.set_sink(&chunk);  parser.eager(true);
//   co_await http::async_read_some(stream, buffer, parser, ...);     // chunk += body bytes
//
// Handles content-length, chunked and close-delimited bodies (Beast's basic_parser). Body bytes
// beyond the sink's limit fail with http::error::body_limit. One parser per response.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace roci::net {

// The parts of a response header the client keeps. Lives in the Connection, reused per response.
struct ResponseHead {
  int status = 0;
  int version = 11;
  std::string content_type;
  // When set, every header field is appended here (send() fills HttpResponse::headers).
  std::vector<std::pair<std::string, std::string>>* headers = nullptr;

  void reset() {
    status = 0;
    version = 11;
    content_type.clear();
    headers = nullptr;
  }
};

class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // `body_limit`: the total body size (over the whole response) above which parsing fails.
  ResponseParser(ResponseHead& head, std::uint32_t header_limit, std::uint64_t body_limit);

  // Where body bytes go (appended); must be set before the body is parsed.
  void set_sink(std::string* sink) { sink_ = sink; }
  void set_limit(std::uint64_t body_limit) { limit_ = body_limit; }
  std::uint64_t limit() const { return limit_; }
  std::uint64_t body_bytes() const { return body_bytes_; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code& ec) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  std::size_t append(string_view body, error_code& ec);

  ResponseHead* head_;
  std::string* sink_ = nullptr;
  std::uint64_t limit_ = 0;
  std::uint64_t body_bytes_ = 0;
};

}  // namespace roci::net
