# Writes the apps' version header (cmake -P; cmake/Version.cmake runs it on every build):
#
#   cmake -DROCI_VERSION=0.1.0 -DROCI_SOURCE_DIR=<tree> -DROCI_VERSION_IN=apps/version.h.in \
#         -DROCI_VERSION_OUT=<build>/generated/roci_version.h -P cmake/WriteVersionHeader.cmake
#
# ROCI_VERSION_STRING is ROCI_VERSION, then " (git <12 hex digits>)" when ROCI_SOURCE_DIR is a
# git checkout, with "-dirty" after the revision when tracked files differ from it. A checkout is
# a tree with its own .git (a directory, or a file in a worktree): a tarball unpacked inside some
# other repository must not take that repository's revision. Without .git, or when git is missing
# or fails, the string is the version alone; the header is always written.
foreach(_var ROCI_VERSION ROCI_SOURCE_DIR ROCI_VERSION_IN ROCI_VERSION_OUT)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "WriteVersionHeader.cmake: ${_var} is not set")
  endif()
endforeach()

set(ROCI_VERSION_STRING "${ROCI_VERSION}")
find_program(_roci_git git)
if(EXISTS "${ROCI_SOURCE_DIR}/.git" AND _roci_git)
  execute_process(COMMAND "${_roci_git}" rev-parse --short=12 HEAD
                  WORKING_DIRECTORY "${ROCI_SOURCE_DIR}"
                  RESULT_VARIABLE _rev_result OUTPUT_VARIABLE _rev
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_rev_result EQUAL 0 AND _rev MATCHES "^[0-9a-f]+$")
    execute_process(COMMAND "${_roci_git}" status --porcelain --untracked-files=no
                    WORKING_DIRECTORY "${ROCI_SOURCE_DIR}"
                    RESULT_VARIABLE _status_result OUTPUT_VARIABLE _status ERROR_QUIET)
    if(_status_result EQUAL 0 AND NOT _status STREQUAL "")
      string(APPEND _rev "-dirty")
    endif()
    string(APPEND ROCI_VERSION_STRING " (git ${_rev})")
  endif()
endif()

configure_file("${ROCI_VERSION_IN}" "${ROCI_VERSION_OUT}" @ONLY)
