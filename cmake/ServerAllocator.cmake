# ROCI_SERVER_ALLOCATOR: the malloc of the inference-server executable (only: libroci and the other
# programs use whatever their process uses).
#   tcmalloc  gperftools' tcmalloc_minimal (Debian's libgoogle-perftools-dev), the default: per-size
#             thread caches with no size cap below 256 KiB. The gateway's allocations are a request's
#             strings, bodies and coroutine frames, freed in a different order than made; glibc's
#             per-thread cache holds 7 blocks per size up to 1 KiB and sends the rest to its arena.
#             bench/RESULTS.md, "Issue 16's eighteenth round", has the measurement.
#   system    the C library's malloc.
# A sanitized build (ROCI_SANITIZE) always uses the system allocator: the sanitizers bring their own.
# Defines the interface target roci_server_allocator (empty for `system`).
set(ROCI_SERVER_ALLOCATOR "tcmalloc" CACHE STRING "inference-server's malloc: tcmalloc or system")
set_property(CACHE ROCI_SERVER_ALLOCATOR PROPERTY STRINGS tcmalloc system)

add_library(roci_server_allocator INTERFACE)
if(NOT ROCI_SERVER_ALLOCATOR MATCHES "^(tcmalloc|system)$")
  message(FATAL_ERROR "ROCI_SERVER_ALLOCATOR must be tcmalloc or system, not '${ROCI_SERVER_ALLOCATOR}'")
endif()
if(ROCI_SERVER_ALLOCATOR STREQUAL "tcmalloc" AND NOT ROCI_SANITIZE)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(ROCI_TCMALLOC IMPORTED_TARGET libtcmalloc_minimal)
  if(NOT ROCI_TCMALLOC_FOUND)
    message(FATAL_ERROR "ROCI_SERVER_ALLOCATOR=tcmalloc needs gperftools' tcmalloc_minimal "
                        "(Debian: libgoogle-perftools-dev; scripts/install-deps.sh installs it), "
                        "or configure with -DROCI_SERVER_ALLOCATOR=system")
  endif()
  target_link_libraries(roci_server_allocator INTERFACE PkgConfig::ROCI_TCMALLOC)
  set(ROCI_SERVER_ALLOCATOR_ACTIVE "tcmalloc" CACHE INTERNAL "the allocator inference-server links")
else()
  set(ROCI_SERVER_ALLOCATOR_ACTIVE "system" CACHE INTERNAL "the allocator inference-server links")
endif()
