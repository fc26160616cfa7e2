#include "server/http/client_request_parser.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <tuple>

namespace roci::server {

namespace http = boost::beast::http;

ClientRequestParser::ClientRequestParser(std::pmr::memory_resource* fields)
    : request_(std::piecewise_construct, std::make_tuple(), std::make_tuple(fields)) {}

void ClientRequestParser::on_request_impl(verb method, string_view method_string,
                                          string_view target, int version, error_code&) {
  request_.target(target);
  if (method != verb::unknown) {
    request_.method(method);
  } else {
    request_.method_string(method_string);
  }
  request_.version(version);
}

void ClientRequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = http::error::bad_method;  // unreachable: basic_parser<true> reads requests only
}

void ClientRequestParser::on_field_impl(field name, string_view name_string, string_view value,
                                        error_code&) {
  request_.insert(name, name_string, value);
}

void ClientRequestParser::on_header_impl(error_code& ec) { ec = {}; }

void ClientRequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                            error_code& ec) {
  body_.emplace(request_.base(), request_.body());
  body_->init(content_length, ec);
}

std::size_t ClientRequestParser::on_body_impl(string_view body, error_code& ec) {
  return body_->put(boost::asio::buffer(body.data(), body.size()), ec);
}

void ClientRequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code& ec) {
  ec = {};
}

std::size_t ClientRequestParser::on_chunk_body_impl(std::uint64_t, string_view body,
                                                    error_code& ec) {
  return body_->put(boost::asio::buffer(body.data(), body.size()), ec);
}

void ClientRequestParser::on_finish_impl(error_code& ec) {
  if (body_) body_->finish(ec);
}

}  // namespace roci::server
