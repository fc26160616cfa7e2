# roci_version: an INTERFACE target whose include directory holds the generated <roci_version.h>
# (from apps/version.h.in), the one version string both apps print for --version.
#
#   target_link_libraries(my_app PRIVATE roci_version)   # then #include "roci_version.h"
#
# The header is rewritten on every build by cmake/WriteVersionHeader.cmake (the git revision can
# change without a re-configure), but only when its text changes: an unchanged revision rebuilds
# nothing.
set(_roci_version_header ${PROJECT_BINARY_DIR}/generated/roci_version.h)
add_custom_target(roci_version_header
  COMMAND ${CMAKE_COMMAND}
          -DROCI_VERSION=${PROJECT_VERSION}
          -DROCI_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DROCI_VERSION_IN=${PROJECT_SOURCE_DIR}/apps/version.h.in
          -DROCI_VERSION_OUT=${_roci_version_header}
          -P ${PROJECT_SOURCE_DIR}/cmake/WriteVersionHeader.cmake
  BYPRODUCTS ${_roci_version_header}
  COMMENT "Checking the version header"
  VERBATIM)
add_library(roci_version INTERFACE)
target_include_directories(roci_version INTERFACE ${PROJECT_BINARY_DIR}/generated)
add_dependencies(roci_version roci_version_header)
