# `cmake --install` lays out cnnc as a package other CMake projects find
# with find_package(cnnc): bin/cnnc, bin/cnnrun, lib/libcnnrt.so, the C
# headers in include/cnnc, and lib/cmake/cnnc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(cnnc cnnrun PROPERTIES INSTALL_RPATH_USE_LINK_PATH TRUE)
install(TARGETS cnnc cnnrun EXPORT cnncTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set_target_properties(cnnrt_shared PROPERTIES EXPORT_NAME cnnrt)
install(TARGETS cnnrt_shared EXPORT cnncTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/cnnc
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(CNNC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cnnc)
install(EXPORT cnncTargets NAMESPACE cnnc:: DESTINATION ${CNNC_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/cnncConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cnncConfig.cmake INSTALL_DESTINATION ${CNNC_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cnncConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cnncConfig.cmake
              ${PROJECT_BINARY_DIR}/cnncConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/CnncAddModel.cmake
        DESTINATION ${CNNC_CMAKE_DIR})
