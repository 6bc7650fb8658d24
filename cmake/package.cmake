# The CMake package: `find_package(microlearn)` after `cmake --install`, or
# add_subdirectory() of this repository, gives two INTERFACE targets:
#
#   microlearn::microlearn   the header-only C++17 engine (include/microlearn/)
#   microlearn::c            the C API: the same headers plus src/microlearn_c.cpp,
#                            compiled into the target that links it (once per program)
#
#   find_package(microlearn 0.1 REQUIRED)
#   target_link_libraries(firmware PRIVATE microlearn::c)   # #include "microlearn/microlearn.h"
#
# Installed layout: include/microlearn/, share/microlearn/src/microlearn_c.cpp,
# lib/cmake/microlearn/. Not part of the Python wheel (MICROLEARN_PYTHON).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MICROLEARN_VERSION 0.1.0)  # pyproject.toml's; tests/python/test_packaging_c.py checks they agree

add_library(microlearn_c INTERFACE)
target_link_libraries(microlearn_c INTERFACE microlearn)
target_sources(microlearn_c INTERFACE $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/../src/microlearn_c.cpp>)
set_target_properties(microlearn_c PROPERTIES EXPORT_NAME c)
add_library(microlearn::microlearn ALIAS microlearn)
add_library(microlearn::c ALIAS microlearn_c)

if(NOT MICROLEARN_PYTHON)
  set(MICROLEARN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/microlearn)
  install(TARGETS microlearn microlearn_c EXPORT microlearnTargets)
  install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/../include/microlearn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/../src/microlearn_c.cpp DESTINATION ${CMAKE_INSTALL_DATADIR}/microlearn/src)
  install(EXPORT microlearnTargets NAMESPACE microlearn:: DESTINATION ${MICROLEARN_CMAKE_DIR})
  configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/microlearnConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/microlearnConfig.cmake INSTALL_DESTINATION ${MICROLEARN_CMAKE_DIR}
    PATH_VARS CMAKE_INSTALL_DATADIR)
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/microlearnConfigVersion.cmake
    VERSION ${MICROLEARN_VERSION} COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/microlearnConfig.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/microlearnConfigVersion.cmake DESTINATION ${MICROLEARN_CMAKE_DIR})
endif()
