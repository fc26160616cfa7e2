#include "server/http/client_fields.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>
#include <new>
#include <string>
#include <utility>

namespace roci::server {
namespace {

namespace http = boost::beast::http;
using boost::beast::iequals;

// Room for a benchmark's or curl's head without growing; an SDK's dozen fields grow it once.
constexpr std::uint32_t kFirstCapacity = 8;

std::uint32_t checked_size(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) throw std::bad_alloc();
  return static_cast<std::uint32_t>(n);
}

}  // namespace

ClientFields::ClientFields(const ClientFields& other) { copy_from(other); }

ClientFields::ClientFields(ClientFields&& other) noexcept
    : resource_(other.resource_),
      items_(std::exchange(other.items_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      method_(std::exchange(other.method_, {})),
      target_(std::exchange(other.target_, {})) {}

ClientFields& ClientFields::operator=(const ClientFields& other) {
  if (this != &other) {
    release_all();
    copy_from(other);
  }
  return *this;
}

ClientFields& ClientFields::operator=(ClientFields&& other) noexcept {
  if (this != &other) {
    release_all();
    resource_ = other.resource_;
    items_ = std::exchange(other.items_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    method_ = std::exchange(other.method_, {});
    target_ = std::exchange(other.target_, {});
  }
  return *this;
}

ClientFields::~ClientFields() { release_all(); }

void ClientFields::copy_from(const ClientFields& other) {
  resource_ = std::pmr::new_delete_resource();
  method_ = copy_text(other.method_, {});
  target_ = copy_text(other.target_, {});
  for (const value_type& f : other) insert(f.name(), f.name_string(), f.value());
}

void ClientFields::release_all() {
  for (const value_type& f : *this) {
    release_text({f.text_, std::size_t{f.name_size_} + f.value_size_});
  }
  if (items_ != nullptr) {
    resource_->deallocate(items_, capacity_ * sizeof(value_type), alignof(value_type));
  }
  release_text(method_);
  release_text(target_);
  items_ = nullptr;
  size_ = capacity_ = 0;
  method_ = target_ = {};
}

// One byte more than the text, a NUL: Beast's iequals (Boost 1.81; token_list and our lookups by
// name use it) reads one byte past the end of both strings once they differ in case. basic_fields
// keeps "\r\n" after each value; here the NUL keeps that read inside the block.
char* ClientFields::allocate_text(std::size_t size) {
  auto* text = static_cast<char*>(resource_->allocate(size + 1, 1));
  text[size] = '\0';
  return text;
}

std::string_view ClientFields::copy_text(std::string_view text, std::string_view old) {
  char* copy = nullptr;
  if (!text.empty()) {
    copy = allocate_text(text.size());
    std::memcpy(copy, text.data(), text.size());
  }
  release_text(old);
  return {copy, text.size()};
}

void ClientFields::release_text(std::string_view text) {
  if (!text.empty()) resource_->deallocate(const_cast<char*>(text.data()), text.size() + 1, 1);
}

ClientFields::const_iterator ClientFields::find(field name) const {
  if (name == field::unknown) return end();
  return std::find_if(begin(), end(), [name](const value_type& f) { return f.name_ == name; });
}

ClientFields::const_iterator ClientFields::find(std::string_view name) const {
  return std::find_if(begin(), end(),
                      [name](const value_type& f) { return iequals(f.name_string(), name); });
}

std::size_t ClientFields::count(field name) const {
  if (name == field::unknown) return 0;
  return std::count_if(begin(), end(), [name](const value_type& f) { return f.name_ == name; });
}

std::size_t ClientFields::count(std::string_view name) const {
  return std::count_if(begin(), end(),
                       [name](const value_type& f) { return iequals(f.name_string(), name); });
}

std::string_view ClientFields::operator[](field name) const {
  const auto it = find(name);
  return it != end() ? it->value() : std::string_view();
}

std::string_view ClientFields::operator[](std::string_view name) const {
  const auto it = find(name);
  return it != end() ? it->value() : std::string_view();
}

void ClientFields::insert(field name, std::string_view name_string, std::string_view value) {
  value_type f;
  f.name_ = name;
  f.name_size_ = checked_size(name_string.size());
  f.value_size_ = checked_size(value.size());
  if (size_ == capacity_) {
    const std::uint32_t capacity = capacity_ == 0 ? kFirstCapacity : checked_size(2 * capacity_);
    auto* items = static_cast<value_type*>(
        resource_->allocate(capacity * sizeof(value_type), alignof(value_type)));
    std::copy(begin(), end(), items);
    if (items_ != nullptr) {
      resource_->deallocate(items_, capacity_ * sizeof(value_type), alignof(value_type));
    }
    items_ = items;
    capacity_ = capacity;
  }
  const std::size_t text_size = name_string.size() + value.size();
  if (text_size > 0) {
    char* text = allocate_text(text_size);
    std::memcpy(text, name_string.data(), name_string.size());
    std::memcpy(text + name_string.size(), value.data(), value.size());
    f.text_ = text;
  }
  items_[size_++] = f;
}

void ClientFields::insert(field name, std::string_view value) {
  insert(name, http::to_string(name), value);
}

void ClientFields::insert(std::string_view name, std::string_view value) {
  insert(http::string_to_field(name), name, value);
}

void ClientFields::set(field name, std::string_view value) {
  erase(name);
  insert(name, value);
}

void ClientFields::set(std::string_view name, std::string_view value) {
  erase(name);
  insert(name, value);
}

template <class Match>
std::size_t ClientFields::erase_if(Match match) {
  value_type* kept = items_;
  for (value_type* f = items_; f != items_ + size_; ++f) {
    if (match(*f)) {
      release_text({f->text_, std::size_t{f->name_size_} + f->value_size_});
    } else {
      *kept++ = *f;
    }
  }
  const auto erased = static_cast<std::size_t>(items_ + size_ - kept);
  size_ = static_cast<std::uint32_t>(kept - items_);
  return erased;
}

std::size_t ClientFields::erase(field name) {
  if (name == field::unknown) return 0;
  return erase_if([name](const value_type& f) { return f.name_ == name; });
}

std::size_t ClientFields::erase(std::string_view name) {
  return erase_if([name](const value_type& f) { return iequals(f.name_string(), name); });
}

void ClientFields::clear() {
  erase_if([](const value_type&) { return true; });
}

// As http::basic_fields: chunked when the last transfer coding is "chunked".
bool ClientFields::get_chunked_impl() const {
  const http::token_list codings{(*this)[field::transfer_encoding]};
  bool last_is_chunked = false;
  for (const auto coding : codings) last_is_chunked = iequals(coding, "chunked");
  return last_is_chunked;
}

// As http::basic_fields: HTTP/1.1 keeps alive unless "close" is listed, HTTP/1.0 only when
// "keep-alive" is.
bool ClientFields::get_keep_alive_impl(unsigned version) const {
  const auto connection = find(field::connection);
  if (version < 11) {
    return connection != end() && http::token_list{connection->value()}.exists("keep-alive");
  }
  return connection == end() || !http::token_list{connection->value()}.exists("close");
}

void ClientFields::set_chunked_impl(bool value) {
  if (value) {
    set(field::transfer_encoding, "chunked");
  } else {
    erase(field::transfer_encoding);
  }
}

void ClientFields::set_content_length_impl(const boost::optional<std::uint64_t>& value) {
  if (value) {
    set(field::content_length, std::to_string(*value));
  } else {
    erase(field::content_length);
  }
}

// Only the keep-alive token is kept: a request's Connection field says nothing else the gateway
// acts on (Beast's parser has already read "upgrade" and "close" from the received one).
void ClientFields::set_keep_alive_impl(unsigned version, bool value) {
  erase(field::connection);
  if (version < 11 && value) insert(field::connection, "keep-alive");
  if (version >= 11 && !value) insert(field::connection, "close");
}

}  // namespace roci::server
