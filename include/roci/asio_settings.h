// The Asio settings that size Asio's own types, which a program using roci's coroutine API must
// share with libroci: its io_context and libroci's coroutines use the same per-thread state.
// roci::roci (CMake) and `pkg-config --cflags roci` pass them on (cmake/Dependencies.cmake,
// ROCI_ASIO_ABI_DEFINITIONS, where the value below comes from). Every roci header that uses Asio
// includes this one, so a build without them stops here instead of misbehaving at run time.
#pragma once

#if !defined(BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE) || \
    BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE != 16
#error \
    "roci needs -DBOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=16: link roci::roci with CMake, or use the flags of `pkg-config --cflags roci`"
#endif
