# Every dependency comes from a Debian 12 package (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
# Boost from 1.81 (Debian 12) up to, not including, 2.0; rociConfig.cmake asks users for the same
# range. Boost's own version file accepts every newer version, so the upper bound is checked here.
set(ROCI_BOOST_MIN_VERSION 1.81)
set(ROCI_BOOST_MAX_VERSION 2.0)
find_package(Boost ${ROCI_BOOST_MIN_VERSION}...<${ROCI_BOOST_MAX_VERSION} CONFIG REQUIRED
             COMPONENTS json url system)
if(NOT Boost_VERSION VERSION_LESS ROCI_BOOST_MAX_VERSION)
  message(FATAL_ERROR "roci needs Boost ${ROCI_BOOST_MIN_VERSION} up to (not including) "
                      "${ROCI_BOOST_MAX_VERSION}; found Boost ${Boost_VERSION} at ${Boost_DIR}")
endif()
find_package(OpenSSL REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)

# Boost.Asio settings shared by every target: no deprecated APIs; coroutines are C++20's.
add_compile_definitions(
  BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_DISABLE_BOOST_COROUTINE
)
# Blocks of up to 1020 bytes each I/O thread keeps for reuse, per kind (coroutine frames,
# handlers, cancellation slots). Asio's default, 2, is fewer than the frames of one request's
# nested coroutines. It sizes a struct of Asio's (thread_info_base), so every translation unit that
# includes Asio and links with roci must see the same value: roci::roci and roci.pc pass it on;
# include/roci/asio_settings.h checks it.
set(ROCI_ASIO_ABI_DEFINITIONS BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=16)
add_compile_definitions(${ROCI_ASIO_ABI_DEFINITIONS})
