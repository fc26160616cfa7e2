// ClientRequestParser: Beast's HTTP/1.1 request parser (basic_parser<true>) building a
// ClientRequest, its fields in a memory resource the caller owns (the session's per-request
// arena), its body in a string. Beast's http::request_parser, with ClientFields in place of
// http::basic_fields.
//
//   std::pmr::monotonic_buffer_resource arena(bytes, sizeof bytes);
//   ClientRequestParser parser(&arena);
//   parser.header_limit(8192);  parser.body_limit(1 << 20);
//   co_await http::async_read(socket, buffer, parser, ...);
//   const ClientRequest& req = parser.get();   // method(), target(), fields, body()
//
// Contracts: one parser per request (basic_parser refuses bytes after the end with
// http::error::stale_parser, and asserts in a debug build); `fields` outlives the parser and the
// request it holds. Limits and errors are basic_parser's.
#pragma once

#include "server/http/client_fields.h"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory_resource>
#include <optional>

namespace roci::server {

using ClientRequest = boost::beast::http::request<boost::beast::http::string_body, ClientFields>;

class ClientRequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit ClientRequestParser(std::pmr::memory_resource* fields);

  ClientRequest& get() { return request_; }
  const ClientRequest& get() const { return request_; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;
  using field = boost::beast::http::field;
  using verb = boost::beast::http::verb;

  void on_request_impl(verb method, string_view method_string, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code& ec) override;
  void on_field_impl(field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  ClientRequest request_;
  std::optional<boost::beast::http::string_body::reader> body_;  // once the body starts
};

}  // namespace roci::server
