# The gateway's hot functions first and side by side (bench/README.md, "Function order"): a
# Release build that is link-time optimised and linked by gold emits every function in a section
# of its own (-ffunction-sections, at the link, where LTO generates the code) and gold lays out the
# sections named in an order file first, in its order. The functions a request or a stream runs
# then share pages instead of being spread over the whole text, which is what a request after an
# idle wait pays for.
#
#   ROCI_FUNCTION_ORDER (cached, default ON)   off: the linker's own layout.
#   roci_order_functions(<target> <file>)      one `.text.<symbol>` section name per line, hottest
#                                              first (written by bench/function-order); a name
#                                              that matches no section is ignored by gold.
# Contracts:
#   - Applies only when ROCI_LTO_ACTIVE, ROCI_LINKER is gold and ROCI_PGO is empty: another
#     linker has no such option (bfd before 2.43), and a profile-guided build lays out the code
#     by its own profile. ROCI_FUNCTION_ORDER_ACTIVE (internal) says whether it applied, for
#     bench/run's description of the build.
#   - The file is a link dependency: editing it relinks the target.
option(ROCI_FUNCTION_ORDER "Lay out the gateway's hot functions first (Release, LTO, gold)" ON)
set(ROCI_FUNCTION_ORDER_ACTIVE OFF CACHE INTERNAL "Whether the gateway is linked with its function order")
if(ROCI_FUNCTION_ORDER AND ROCI_LTO_ACTIVE AND ROCI_LINKER STREQUAL "gold" AND ROCI_PGO STREQUAL "")
  set(ROCI_FUNCTION_ORDER_ACTIVE ON CACHE INTERNAL "Whether the gateway is linked with its function order")
endif()

function(roci_order_functions target file)
  if(NOT ROCI_FUNCTION_ORDER_ACTIVE)
    return()
  endif()
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "roci_order_functions: ${file} does not exist")
  endif()
  target_link_options(${target} PRIVATE -ffunction-sections "LINKER:--section-ordering-file=${file}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${file}")
endfunction()
