# Link-time optimisation of Release builds (the builds that ship and are measured: the Dockerfile,
# scripts/serve.sh, cmake --install, bench/): GCC optimises the gateway's request path across the
# libraries and emits it in less code, which is what a request after an idle wait pays for
# (bench/README.md, "Link-time optimisation").
#
#   ROCI_LTO (cached, default ON)  applies to CMAKE_BUILD_TYPE=Release built by GCC; other build
#                                  types and compilers are compiled as before.
# Contracts:
#   - ROCI_LTO_ACTIVE (an internal cache entry) says whether this build uses it: BuildSpeed.cmake
#     reads it to pick a linker that reads GCC's LTO objects (gold, else the default bfd; never
#     lld), bench/run to describe the build it measured.
#   - Object files are "fat" (-ffat-lto-objects): they also hold machine code, so the installed
#     static SDK libraries link into a user's program with any linker and without LTO.
option(ROCI_LTO "Link-time optimisation of Release builds (GCC)" ON)
set(ROCI_LTO_ACTIVE OFF CACHE INTERNAL "Whether this build is link-time optimised")
if(ROCI_LTO AND CMAKE_BUILD_TYPE STREQUAL "Release" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  include(CheckIPOSupported)
  check_ipo_supported(RESULT _roci_ipo_supported OUTPUT _roci_ipo_output LANGUAGES CXX)
  if(_roci_ipo_supported)
    set(ROCI_LTO_ACTIVE ON CACHE INTERNAL "Whether this build is link-time optimised")
    set(CMAKE_INTERPROCEDURAL_OPTIMIZATION ON)
    # After CMake's own -fno-fat-lto-objects on the command line: the last one wins.
    add_compile_options(-ffat-lto-objects)
  else()
    message(STATUS "roci: ROCI_LTO is on, but ${CMAKE_CXX_COMPILER} cannot: ${_roci_ipo_output}")
  endif()
endif()
