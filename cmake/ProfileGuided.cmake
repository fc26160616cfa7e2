# Profile-guided optimisation (GCC), driven by bench/pgo-build:
#   ROCI_PGO=generate  every target instrumented; running it writes profiles into ROCI_PGO_DIR;
#   ROCI_PGO=use       every target optimised with those profiles (a source file without one is
#                      compiled as usual).
# Profiles are named after the object files' paths: the `use` build must be the `generate` build's
# directory, reconfigured.
set(ROCI_PGO "" CACHE STRING "Profile-guided optimisation: empty, generate or use")
set(ROCI_PGO_DIR "${CMAKE_BINARY_DIR}/pgo-profiles" CACHE PATH "Where the PGO profiles are written and read")
if(ROCI_PGO STREQUAL "generate")
  add_compile_options(-fprofile-generate=${ROCI_PGO_DIR} -fprofile-update=prefer-atomic)
  add_link_options(-fprofile-generate=${ROCI_PGO_DIR})
elseif(ROCI_PGO STREQUAL "use")
  add_compile_options(-fprofile-use=${ROCI_PGO_DIR} -fprofile-correction -Wno-missing-profile)
elseif(NOT ROCI_PGO STREQUAL "")
  message(FATAL_ERROR "ROCI_PGO must be empty, generate or use (got '${ROCI_PGO}')")
endif()
