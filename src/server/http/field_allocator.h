// FieldAllocator: the allocator of a client request's header fields (ClientFields,
// request_context.h). It allocates from a std::pmr::memory_resource: the session's per-request
// arena (session.cc), or new/delete when default-constructed (tests, copies).
//
//   std::pmr::monotonic_buffer_resource arena(bytes, sizeof bytes);
//   http::request_parser<http::string_body, FieldAllocator<char>> parser(
//       std::piecewise_construct, std::make_tuple(),
//       std::make_tuple(FieldAllocator<char>(&arena)));
//
// Unlike std::pmr::polymorphic_allocator it is assignable (Beast's fields move-assign theirs).
// A copy of the fields allocates with new/delete (select_on_container_copy_construction); fields
// moved from the session's request keep pointing into its arena and must not outlive the request.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <type_traits>

namespace roci::server {

template <class T>
class FieldAllocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::false_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;

  FieldAllocator() noexcept = default;
  explicit FieldAllocator(std::pmr::memory_resource* resource) noexcept : resource_(resource) {}
  template <class U>
  FieldAllocator(const FieldAllocator<U>& other) noexcept  // NOLINT: rebinding converts
      : resource_(other.resource()) {}

  T* allocate(std::size_t n) {
    return static_cast<T*>(resource_->allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    resource_->deallocate(p, n * sizeof(T), alignof(T));
  }
  FieldAllocator select_on_container_copy_construction() const noexcept { return {}; }
  std::pmr::memory_resource* resource() const noexcept { return resource_; }

  template <class U>
  friend bool operator==(const FieldAllocator& a, const FieldAllocator<U>& b) noexcept {
    return a.resource() == b.resource();
  }

 private:
  std::pmr::memory_resource* resource_ = std::pmr::new_delete_resource();
};

}  // namespace roci::server
