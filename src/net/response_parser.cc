#include "net/response_parser.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace roci::net {

namespace http = boost::beast::http;

ResponseParser::ResponseParser(ResponseHead& head, std::uint32_t header_limit,
                               std::uint64_t body_limit)
    : head_(&head), limit_(body_limit) {
  this->header_limit(header_limit);
  this->body_limit(boost::none);  // enforced by append(), per sink
}

void ResponseParser::on_request_impl(http::verb, string_view, string_view, int, error_code& ec) {
  ec = http::error::bad_method;  // unreachable: this is a response parser
}

void ResponseParser::on_response_impl(int code, string_view, int version, error_code&) {
  head_->status = code;
  head_->version = version;
}

void ResponseParser::on_field_impl(http::field name, string_view name_string, string_view value,
                                   error_code&) {
  if (name == http::field::content_type) head_->content_type.assign(value);
  if (head_->headers != nullptr) head_->headers->emplace_back(name_string, value);
}

void ResponseParser::on_header_impl(error_code&) {}

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                       error_code& ec) {
  if (content_length && *content_length > limit_) ec = http::error::body_limit;
}

std::size_t ResponseParser::append(string_view body, error_code& ec) {
  if (sink_ == nullptr) {
    ec = http::error::need_buffer;  // a bug: the body is read before a sink was set
    return 0;
  }
  if (body_bytes_ + body.size() > limit_) {
    ec = http::error::body_limit;
    return 0;
  }
  sink_->append(body.data(), body.size());
  body_bytes_ += body.size();
  return body.size();
}

std::size_t ResponseParser::on_body_impl(string_view body, error_code& ec) {
  return append(body, ec);
}

void ResponseParser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return append(body, ec);
}

void ResponseParser::on_finish_impl(error_code&) {}

}  // namespace roci::net
