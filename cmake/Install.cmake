# `cmake --install` places libroci (headers, static libraries, CMake package), the inference-server
# binary, its systemd unit and example configs.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/roci DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS roci_core roci_openai_wire roci_net roci_providers roci_sdk roci
        EXPORT rociTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT rociTargets NAMESPACE roci:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roci)
configure_package_config_file(cmake/rociConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/rociConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roci)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rociConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rociConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/rociConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roci)

# The gateway's deployment files: the systemd unit, the default config its ExecStart names
# (${prefix}/etc/roci/inference-server.yaml, from config/lmstudio.yaml) and every example config.
install(FILES config/inference-server.service DESTINATION lib/systemd/system)
install(FILES config/lmstudio.yaml DESTINATION etc/roci RENAME inference-server.yaml)
install(FILES config/mock.yaml config/lmstudio.yaml config/openai.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/roci/config)
