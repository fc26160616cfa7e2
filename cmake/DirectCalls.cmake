# Release builds call shared-library functions through the GOT directly (-fno-plt) instead of
# through a PLT stub: one jump less per call into libstdc++, libc or tcmalloc, and no stub lines
# in the instruction cache, for the few hundred such calls a request makes (bench/RESULTS.md,
# issue 16's twentieth round).
#
#   ROCI_NO_PLT (cached, default ON)  applies to CMAKE_BUILD_TYPE=Release built by GCC or Clang;
#                                     other build types are compiled as before.
# Contracts:
#   - The functions called this way are bound when the program starts rather than at their first
#     call (no lazy binding for them); a missing symbol fails at start, as with -z now.
#   - Not an ABI setting: objects built with and without it link together, so the installed SDK
#     libraries link into any program.
#   - Passed to the link as well: with link-time optimisation the code is generated there.
#   - ROCI_NO_PLT_ACTIVE (internal) says whether it applied, for bench/run's description.
option(ROCI_NO_PLT "Release builds call shared-library functions without PLT stubs" ON)
set(ROCI_NO_PLT_ACTIVE OFF CACHE INTERNAL "Whether this build calls shared libraries without PLT stubs")
if(ROCI_NO_PLT AND CMAKE_BUILD_TYPE STREQUAL "Release" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  set(ROCI_NO_PLT_ACTIVE ON CACHE INTERNAL "Whether this build calls shared libraries without PLT stubs")
  add_compile_options(-fno-plt)
  add_link_options(-fno-plt)
endif()
