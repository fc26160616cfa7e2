// ClientFields: a client request's header fields, kept as a flat list in arrival order, with each
// field's name and value in one block of a memory resource. It is a Beast Fields type, so
// ClientRequest (request_context.h) is an http::request and reads like one: method(), target(),
// keep_alive(), operator[], find, iteration with name(), name_string() and value().
//
//   std::pmr::monotonic_buffer_resource arena(bytes, sizeof bytes);
//   ClientRequestParser parser(&arena);  // client_request_parser.h: its fields in `arena`
//   ClientHeader head;                   // a test's: its fields from new/delete
//   head.set(http::field::content_type, "application/json");
//   std::string_view type = head[http::field::content_type];  // "" when absent
//
// Why not http::basic_fields: it keeps an ordered, case-insensitive set beside its list, which a
// request's handful of fields, looked up a few times each, never repays.
//
// Contracts:
//   - Lookups by name are case-insensitive; by enum they compare the enum (http::field::unknown
//     matches no field: look such a field up by its name).
//   - A string_view taken from the fields stays valid until that field is erased or the fields
//     are destroyed or assigned to: a field's text never moves.
//   - The memory resource must outlive the fields. Copies use new/delete; a moved-to object takes
//     the source's resource (fields moved from the session's request must not outlive it).
//   - Not thread-safe; allocation failure throws std::bad_alloc.
#pragma once

#include <boost/beast/http/field.hpp>
#include <boost/optional/optional.hpp>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>

namespace roci::server {

class ClientFields {
 public:
  using field = boost::beast::http::field;

  class value_type {
   public:
    field name() const { return name_; }
    std::string_view name_string() const { return {text_, name_size_}; }
    std::string_view value() const { return {text_ + name_size_, value_size_}; }

   private:
    friend class ClientFields;
    const char* text_ = nullptr;  // the name, then the value; owned by the fields
    std::uint32_t name_size_ = 0;
    std::uint32_t value_size_ = 0;
    field name_ = field::unknown;
  };
  using const_iterator = const value_type*;
  using iterator = const_iterator;

  ClientFields() noexcept = default;
  explicit ClientFields(std::pmr::memory_resource* resource) noexcept : resource_(resource) {}
  ClientFields(const ClientFields& other);
  ClientFields(ClientFields&& other) noexcept;
  ClientFields& operator=(const ClientFields& other);
  ClientFields& operator=(ClientFields&& other) noexcept;
  ~ClientFields();

  const_iterator begin() const { return items_; }
  const_iterator end() const { return items_ + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The first field with this name, end() when none.
  const_iterator find(field name) const;
  const_iterator find(std::string_view name) const;
  std::size_t count(field name) const;
  std::size_t count(std::string_view name) const;
  // The first field's value, "" when there is none.
  std::string_view operator[](field name) const;
  std::string_view operator[](std::string_view name) const;

  // Appends a field (a repeated name keeps every value). `name_string` is the name as received.
  void insert(field name, std::string_view name_string, std::string_view value);
  void insert(field name, std::string_view value);
  void insert(std::string_view name, std::string_view value);
  // Replaces every field of this name by one.
  void set(field name, std::string_view value);
  void set(std::string_view name, std::string_view value);
  // Removes every field of this name; how many there were.
  std::size_t erase(field name);
  std::size_t erase(std::string_view name);
  void clear();

 protected:
  // Beast's Fields concept (http::header<true, ClientFields> calls them; see Beast's Fields
  // requirements). A request has no reason phrase.
  std::string_view get_method_impl() const { return method_; }
  std::string_view get_target_impl() const { return target_; }
  std::string_view get_reason_impl() const { return {}; }
  bool get_chunked_impl() const;
  bool get_keep_alive_impl(unsigned version) const;
  bool has_content_length_impl() const { return find(field::content_length) != end(); }
  void set_method_impl(std::string_view method) { method_ = copy_text(method, method_); }
  void set_target_impl(std::string_view target) { target_ = copy_text(target, target_); }
  void set_reason_impl(std::string_view) {}
  void set_chunked_impl(bool value);
  void set_content_length_impl(const boost::optional<std::uint64_t>& value);
  void set_keep_alive_impl(unsigned version, bool value);

 private:
  // `size` bytes and a NUL from the resource.
  char* allocate_text(std::size_t size);
  // `text` copied into the resource; `old` (a copy made earlier, or empty) is given back.
  std::string_view copy_text(std::string_view text, std::string_view old);
  void release_text(std::string_view text);
  template <class Match>
  std::size_t erase_if(Match match);
  void copy_from(const ClientFields& other);
  void release_all();

  std::pmr::memory_resource* resource_ = std::pmr::new_delete_resource();
  value_type* items_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
  std::string_view method_;  // only for a method Beast has no verb for
  std::string_view target_;
};

}  // namespace roci::server
