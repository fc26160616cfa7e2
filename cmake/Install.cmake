# `cmake --install` places libroci (headers, libraries, CMake package, pkg-config file), the
# inference-server binary, its systemd unit and example configs. The SDK alone is the component
# "sdk" (cmake --install <build> --component sdk), all a build of the `roci` target needs.
include(CMakePackageConfigHelpers)

# The SDK's libraries as a program links them: the static modules, each after the ones it depends
# on (roci itself is an INTERFACE target over them); or libroci.so.
if(BUILD_SHARED_LIBS)
  set(_roci_sdk_libraries roci)
else()
  set(_roci_sdk_libraries ${ROCI_SDK_MODULES})
endif()
set(_roci_installed_targets ${_roci_sdk_libraries} roci)
list(REMOVE_DUPLICATES _roci_installed_targets)

install(DIRECTORY include/roci DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk)
install(TARGETS ${_roci_installed_targets}
        EXPORT rociTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk NAMELINK_COMPONENT sdk
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT rociTargets NAMESPACE roci:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roci
        COMPONENT sdk)
configure_package_config_file(cmake/rociConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/rociConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roci)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rociConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rociConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/rociConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roci COMPONENT sdk)

# roci.pc: the same libraries for pkg-config users. Boost's directories are named only when they
# are not the compiler's own (Debian's libboost-*-dev install into them). libroci.so brings
# OpenSSL itself (Requires.private); the static libraries need it on the link line (Requires).
set(_roci_pc_libs "")
foreach(_lib IN LISTS _roci_sdk_libraries)
  string(PREPEND _roci_pc_libs "-l${_lib} ")
endforeach()
if(BUILD_SHARED_LIBS)
  set(ROCI_PC_REQUIRES "Requires.private: openssl")
else()
  set(ROCI_PC_REQUIRES "Requires: openssl")
endif()
get_target_property(_roci_boost_lib Boost::json LOCATION)
get_filename_component(_roci_boost_libdir "${_roci_boost_lib}" DIRECTORY)
if(NOT _roci_boost_libdir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
  string(APPEND _roci_pc_libs "-L${_roci_boost_libdir} ")
endif()
string(APPEND _roci_pc_libs "-lboost_json -lboost_url -lboost_system -pthread")
set(ROCI_PC_LIBS "${_roci_pc_libs}")
set(ROCI_PC_CFLAGS "-I\${includedir}")
foreach(_def IN LISTS ROCI_ASIO_ABI_DEFINITIONS)
  string(APPEND ROCI_PC_CFLAGS " -D${_def}")
endforeach()
get_target_property(_roci_boost_includes Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
foreach(_dir IN LISTS _roci_boost_includes)
  if(NOT _dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    string(APPEND ROCI_PC_CFLAGS " -I${_dir}")
  endif()
endforeach()
# libdir and includedir relative to ${prefix}, itself relative to the .pc file's directory, unless
# the install directories were given as absolute paths.
file(RELATIVE_PATH ROCI_PC_PREFIX_FROM_PCDIR "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" ROCI_PC_PREFIX_FROM_PCDIR "${ROCI_PC_PREFIX_FROM_PCDIR}")
foreach(_kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_kind}}")
    set(ROCI_PC_${_kind} "${CMAKE_INSTALL_${_kind}}")
  else()
    set(ROCI_PC_${_kind} "\${prefix}/${CMAKE_INSTALL_${_kind}}")
  endif()
endforeach()
configure_file(cmake/roci.pc.in ${CMAKE_CURRENT_BINARY_DIR}/roci.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/roci.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT sdk)

# The gateway's deployment files: the systemd unit, the default config its ExecStart names
# (${prefix}/etc/roci/inference-server.yaml, from config/lmstudio.yaml) and every example config.
install(FILES config/inference-server.service DESTINATION lib/systemd/system)
install(FILES config/lmstudio.yaml DESTINATION etc/roci RENAME inference-server.yaml)
install(FILES config/mock.yaml config/lmstudio.yaml config/openai.yaml config/fleet.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/roci/config)
