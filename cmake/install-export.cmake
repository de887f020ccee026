# The CMake package config for consumers of liblowmap.so.1:
#
#   find_package(lowmap 1.0 REQUIRED)
#   target_link_libraries(app PRIVATE lowmap::lowmap)
#
# Installs lowmapTargets.cmake (the imported target, relocatable),
# lowmapConfig.cmake and lowmapConfigVersion.cmake (same major version is
# compatible: the soname's promise) under <libdir>/cmake/lowmap.
# Included once from the top-level CMakeLists.txt after the targets exist.
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(LOWMAP_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lowmap)
set(LOWMAP_EGL_VENDOR_FILE_INSTALLED
    ${CMAKE_INSTALL_DATADIR}/lowmap/egl_vendor.d/50_lowmap.json)
set(LOWMAP_RUN_INSTALLED ${CMAKE_INSTALL_BINDIR}/lowmap-run)

install(EXPORT lowmapTargets NAMESPACE lowmap::
        FILE lowmapTargets.cmake DESTINATION ${LOWMAP_CMAKE_INSTALL_DIR})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/lowmapConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/lowmapConfig.cmake
  INSTALL_DESTINATION ${LOWMAP_CMAKE_INSTALL_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR LOWMAP_EGL_VENDOR_FILE_INSTALLED
            LOWMAP_RUN_INSTALLED)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/lowmapConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/lowmapConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/lowmapConfigVersion.cmake
        DESTINATION ${LOWMAP_CMAKE_INSTALL_DIR})
