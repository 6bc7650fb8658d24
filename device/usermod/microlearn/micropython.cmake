# microlearn as a MicroPython user C module (CMake-based ports: esp32, rp2):
#   make USER_C_MODULES=<repo>/device/usermod/micropython.cmake
# docs/firmware.md has the recipes.
add_library(usermod_microlearn INTERFACE)

set(ML_USERMOD ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(ML_ROOT ${CMAKE_CURRENT_LIST_DIR}/../../.. REALPATH)
file(GLOB ML_FAMILIES ${ML_USERMOD}/family_*.c)

target_sources(usermod_microlearn INTERFACE
    ${ML_USERMOD}/modmicrolearn.c
    ${ML_FAMILIES}
    ${ML_USERMOD}/engine.cpp
)
target_include_directories(usermod_microlearn INTERFACE ${ML_ROOT}/include)
target_compile_definitions(usermod_microlearn INTERFACE MICROLEARN_BUILTIN NDEBUG)
# The engine's rules (DESIGN.md): C++17, no exceptions, RTTI or thread-safe statics.
target_compile_options(usermod_microlearn INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics>
)
target_link_libraries(usermod INTERFACE usermod_microlearn)
