# Install rules for the embedding API (quante::carlo, tuner/local_run.hpp): the static libraries
# it links, their headers and the CMake package `quante-carlo`, so that another project can write
#   find_package(quante-carlo REQUIRED)
#   target_link_libraries(app PRIVATE quante::carlo)
# Layout for a prefix P:
#   P/lib/libquante_*.a                     quante_tuner and what it links
#   P/include/quante/*.hpp                  their headers, flat (`#include <quante/local_run.hpp>`,
#                                           or "local_run.hpp": both folders are on the include path)
#   P/lib/cmake/quante-carlo/               quante-carloConfig.cmake, its version file, the targets
# All of it is the install component `dev`: `cmake --install build --component dev` installs it
# alone (only the libraries need be built); a plain `cmake --install build` and the .deb include it.
# Every header of the libraries is installed (they include one another), except cli_exit.hpp,
# config_table.hpp and client_security_keys.hpp, which belong to the command-line programs (the
# configuration tables need CLI11, which is not installed). tests/tuner_service/embedded_consumer.sh installs
# into a temporary prefix and builds a project against it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(quante_library_targets quante_carlo quante_tuner quante_shared quante_space quante_config
    quante_json_params quante_optimizer
    quante_scheduling quante_http quante_qei_screen quante_warnings)
if(TARGET quante_qei_screen_cuda)
  list(APPEND quante_library_targets quante_qei_screen_cuda)
endif()
# Exported as quante::tuner, quante::shared, ...: the names the project itself uses.
foreach(target quante_tuner quante_shared quante_space quante_config quante_json_params quante_optimizer
               quante_scheduling quante_http
               quante_qei_screen quante_qei_screen_cuda quante_warnings)
  if(TARGET ${target})
    string(REPLACE "quante_" "" name ${target})
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  endif()
endforeach()

set(quante_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/quante-carlo)
install(TARGETS ${quante_library_targets} EXPORT quante-carlo-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev EXCLUDE_FROM_ALL
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${CMAKE_INSTALL_INCLUDEDIR}/quante)

set(quante_public_headers "")
foreach(dir shared http tuner tuner/optimizer/kernels tuner/optimizer/model tuner/optimizer/acquisition
            tuner/optimizer/optimize tuner/scheduling tuner/optimizer/cuda)
  file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${dir}/*.hpp)
  list(APPEND quante_public_headers ${headers})
endforeach()
list(REMOVE_ITEM quante_public_headers ${PROJECT_SOURCE_DIR}/shared/cli_exit.hpp ${PROJECT_SOURCE_DIR}/shared/config_table.hpp
     ${PROJECT_SOURCE_DIR}/shared/client_security_keys.hpp)
install(FILES ${quante_public_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/quante COMPONENT dev EXCLUDE_FROM_ALL)

install(EXPORT quante-carlo-targets NAMESPACE quante:: DESTINATION ${quante_cmake_dir}
        FILE quante-carloTargets.cmake COMPONENT dev EXCLUDE_FROM_ALL)
set(QUANTE_PACKAGE_NEEDS_CUDA ${QUANTE_HAVE_CUDA})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/quante-carloConfig.cmake.in
  ${PROJECT_BINARY_DIR}/packaging/quante-carloConfig.cmake INSTALL_DESTINATION ${quante_cmake_dir})
# 0.x: a minor version may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/packaging/quante-carloConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/packaging/quante-carloConfig.cmake
              ${PROJECT_BINARY_DIR}/packaging/quante-carloConfigVersion.cmake
        DESTINATION ${quante_cmake_dir} COMPONENT dev EXCLUDE_FROM_ALL)
