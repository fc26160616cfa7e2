# roci_fuzz_targets: the fuzz targets as plain functions (fuzz/targets.h), with no libFuzzer in
# them. Used by fuzz/CMakeLists.txt (clang, libFuzzer mains) and by the gcc regression replay
# (tests/unit/fuzz_regressions), which include()s this file. ROCI_FUZZ_DIR lets the replay find
# fuzz/regressions and fuzz/corpus.
if(NOT TARGET roci_fuzz_targets)
  file(GLOB _roci_fuzz_target_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/targets/*.cc)
  add_library(roci_fuzz_targets STATIC ${_roci_fuzz_target_srcs})
  target_compile_features(roci_fuzz_targets PUBLIC cxx_std_20)
  target_include_directories(roci_fuzz_targets PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  # Boost::json (check.cc) comes with roci_core.
  target_link_libraries(roci_fuzz_targets PUBLIC roci_anthropic_wire roci_openai_wire roci_config
                        roci_core)
  target_compile_definitions(roci_fuzz_targets PUBLIC ROCI_FUZZ_DIR="${CMAKE_CURRENT_LIST_DIR}")
endif()
