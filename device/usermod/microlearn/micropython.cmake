# microlearn as a MicroPython user C module (CMake-based ports: esp32, rp2):
#   make USER_C_MODULES=<repo>/device/usermod/micropython.cmake
# docs/firmware.md has the recipes.
add_library(usermod_microlearn INTERFACE)

set(ML_USERMOD ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(ML_ROOT ${CMAKE_CURRENT_LIST_DIR}/../../.. REALPATH)
# The families compiled in: all by default, or e.g. -DMICROLEARN_FAMILIES="trees;dsp"
# (arrays is always in). The linker drops the engine code of the others.
if(NOT MICROLEARN_FAMILIES)
    file(GLOB ML_GLUE ${ML_USERMOD}/family_*.c)
    foreach(f ${ML_GLUE})
        get_filename_component(name ${f} NAME_WE)
        string(REPLACE "family_" "" name ${name})
        list(APPEND MICROLEARN_FAMILIES ${name})
    endforeach()
endif()
set(ML_FAMILIES ${MICROLEARN_FAMILIES} arrays)
list(REMOVE_DUPLICATES ML_FAMILIES)
set(ML_SOURCES ${ML_USERMOD}/modmicrolearn.c ${ML_USERMOD}/engine.cpp)
set(ML_DEFINES MICROLEARN_BUILTIN NDEBUG)
foreach(name ${ML_FAMILIES})
    list(APPEND ML_SOURCES ${ML_USERMOD}/family_${name}.c)
    list(APPEND ML_DEFINES MICROLEARN_HAS_${name}=1)
endforeach()

# MicroPython scans sources for qstrs and module registrations with the port's
# definitions only: it needs ours too (MICROLEARN_BUILTIN, which families).
list(APPEND MICROPY_CPP_DEF_EXTRA ${ML_DEFINES})

target_sources(usermod_microlearn INTERFACE ${ML_SOURCES})
target_include_directories(usermod_microlearn INTERFACE ${ML_ROOT}/include)
target_compile_definitions(usermod_microlearn INTERFACE ${ML_DEFINES})
# The engine's rules (DESIGN.md): C++17, no exceptions, RTTI or thread-safe statics.
target_compile_options(usermod_microlearn INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics>
)
target_link_libraries(usermod INTERFACE usermod_microlearn)
