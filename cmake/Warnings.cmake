# Project-wide warnings. Not -Werror: g++ 12 emits false positives inside coroutine frames.
add_compile_options(-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
# A unity build #includes each source into a batch file, so g++ takes the source for a header and
# warns (-Wsubobject-linkage) when a coroutine frame holds a type of an anonymous namespace.
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-subobject-linkage)
endif()

# roci_module(<target> [DEPS ...]): one directory = one static library `roci_<dir>`, sources globbed
# from the directory (CONFIGURE_DEPENDS re-globs on build), `src/` and `include/` as include roots.
function(roci_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc ${CMAKE_CURRENT_SOURCE_DIR}/*/*.cc)
  if(_srcs)
    add_library(${name} STATIC ${_srcs})
    set(_scope PUBLIC)
  else()  # a module whose sources are not written yet
    add_library(${name} INTERFACE)
    set(_scope INTERFACE)
  endif()
  target_include_directories(${name} ${_scope}
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${name} ${_scope} ${M_DEPS})
endfunction()

# roci_test(<name> DIR <dir> DEPS ...): one gtest binary from every *_test.cc under <dir>.
function(roci_test name)
  cmake_parse_arguments(T "" "DIR" "DEPS" ${ARGN})
  file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS ${T_DIR}/*_test.cc)
  if(NOT _srcs)
    return()
  endif()
  add_executable(${name} ${_srcs})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    ROCI_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ROCI_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/support/fixtures"
    ROCI_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(ROCI_SANITIZE)
    # A sanitized binary spends most of a second starting (ASan registers every global, LSan
    # scans them at exit): a process per test would cost more than the tests. Each binary runs
    # in ROCI_SANITIZE_TEST_SHARDS gtest shards instead (a failure names the gtest test).
    foreach(_i RANGE 1 ${ROCI_SANITIZE_TEST_SHARDS})
      math(EXPR _index "${_i} - 1")
      add_test(NAME ${name}.shard${_i} COMMAND ${name})
      set_tests_properties(${name}.shard${_i} PROPERTIES TIMEOUT 600 ENVIRONMENT
        "GTEST_SHARD_INDEX=${_index};GTEST_TOTAL_SHARDS=${ROCI_SANITIZE_TEST_SHARDS}")
    endforeach()
  else()
    gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)
  endif()
endfunction()
